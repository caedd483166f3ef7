// Hand-written analytic logp+gradient in C++ for the dense benchmark models (linreg, logistic,
// poisson of MODELS.md): the native speed limit of this CPU. Built and run by run.sh, which
// hands it the data as raw little-endian float64 files. Scalar code in IEEE order, K a run-time
// value: the same arithmetic as bench/handwritten.mjs, so logp at the fixed point must match it.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

static const double LOG_2PI_HALF = 0.5 * std::log(2 * M_PI);
static const int MAX_K = 16;   // room for the gradient sums of beta on the stack

std::vector<double> load(const std::string& dir, const char* file, size_t n) {
  std::vector<double> v(n);
  FILE* fp = fopen((dir + "/" + file).c_str(), "rb");
  if (!fp || fread(v.data(), 8, n, fp) != n) { fprintf(stderr, "cannot read %s\n", file); std::exit(1); }
  fclose(fp);
  return v;
}

// alpha ~ N(0, 10), beta ~ N(0, 10), sigma ~ HalfNormal(1); x = [alpha, beta..., sigma_log__].
struct Linreg {
  int N, K;
  std::vector<double> X, y;
  double operator()(const double* x, double* g) const {
    double alpha = x[0], t = x[1 + K], invVar = std::exp(-2 * t), ss = 0, sr = 0, gBeta[MAX_K] = {0};
    for (int i = 0; i < N; i++) {
      const double* row = &X[(size_t)i * K];
      double m = alpha;
      for (int k = 0; k < K; k++) m += row[k] * x[1 + k];
      double r = y[i] - m;
      ss += r * r;
      sr += r;
      for (int k = 0; k < K; k++) gBeta[k] += r * row[k];
    }
    double sigma = std::exp(t);
    double lp = -0.5 * alpha * alpha / 100 - std::log(10.) - LOG_2PI_HALF       // alpha's prior
              + 0.5 * std::log(2 / M_PI) - 0.5 * sigma * sigma + t               // sigma's, with the Jacobian
              - N * (t + LOG_2PI_HALF) - 0.5 * ss * invVar;                       // the likelihood
    for (int k = 0; k < K; k++) lp += -0.5 * x[1 + k] * x[1 + k] / 100 - std::log(10.) - LOG_2PI_HALF;
    g[0] = -alpha / 100 + sr * invVar;
    for (int k = 0; k < K; k++) g[1 + k] = -x[1 + k] / 100 + gBeta[k] * invVar;
    g[1 + K] = 1 - sigma * sigma - N + ss * invVar;
    return lp;
  }
};

// beta ~ N(0, 1), y ~ Bernoulli(logit_p = X @ beta); x = beta.
struct Logistic {
  int N, K;
  std::vector<double> X, y;
  double operator()(const double* x, double* g) const {
    double lp = 0, gBeta[MAX_K] = {0};
    for (int k = 0; k < K; k++) lp += -0.5 * x[k] * x[k] - LOG_2PI_HALF;
    for (int i = 0; i < N; i++) {
      const double* row = &X[(size_t)i * K];
      double eta = 0;
      for (int k = 0; k < K; k++) eta += row[k] * x[k];
      double e = std::exp(-std::fabs(eta));                       // softplus without overflow
      lp += y[i] * eta - std::max(eta, 0.) - std::log1p(e);
      double p = eta >= 0 ? 1 / (1 + e) : e / (1 + e), d = y[i] - p;
      for (int k = 0; k < K; k++) gBeta[k] += d * row[k];
    }
    for (int k = 0; k < K; k++) g[k] = gBeta[k] - x[k];
    return lp;
  }
};

// alpha ~ N(0, 1), beta ~ N(0, 1), y ~ Poisson(exp(alpha + X @ beta)); x = [alpha, beta...].
struct Poisson {
  int N, K;
  std::vector<double> X, y;
  double logFactorials;   // Σ log(y_i!)
  double operator()(const double* x, double* g) const {
    double alpha = x[0], lp = -0.5 * alpha * alpha - LOG_2PI_HALF - logFactorials, gAlpha = 0, gBeta[MAX_K] = {0};
    for (int k = 0; k < K; k++) lp += -0.5 * x[1 + k] * x[1 + k] - LOG_2PI_HALF;
    for (int i = 0; i < N; i++) {
      const double* row = &X[(size_t)i * K];
      double eta = alpha;
      for (int k = 0; k < K; k++) eta += row[k] * x[1 + k];
      double mu = std::exp(eta), d = y[i] - mu;
      lp += y[i] * eta - mu;
      gAlpha += d;
      for (int k = 0; k < K; k++) gBeta[k] += d * row[k];
    }
    g[0] = gAlpha - alpha;
    for (int k = 0; k < K; k++) g[1 + k] = gBeta[k] - x[1 + k];
    return lp;
  }
};

// Median over 31 batches of 200 calls at the fixed point (all 0.1), after 100 warm-up calls.
template <class F> void bench(const char* name, const F& f, int size) {
  std::vector<double> x(size, 0.1), g(size);
  volatile double sink = 0;   // keeps the calls from being optimised away
  for (int i = 0; i < 100; i++) sink = sink + f(x.data(), g.data());
  std::vector<double> ns;
  for (int r = 0; r < 31; r++) {
    const int reps = 200;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; i++) sink = sink + f(x.data(), g.data());
    ns.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / reps);
  }
  std::sort(ns.begin(), ns.end());
  printf("%-10s logp %.9f  logpGrad median %.0f ns\n", name, f(x.data(), g.data()), ns[ns.size() / 2]);
}

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : ".";
  Linreg linreg{1000, 5, load(dir, "linreg_X.bin", 5000), load(dir, "linreg_y.bin", 1000)};
  bench("linreg", linreg, 7);
  Logistic logistic{10000, 10, load(dir, "logistic_X.bin", 100000), load(dir, "logistic_y.bin", 10000)};
  bench("logistic", logistic, 10);
  Poisson poisson{2000, 3, load(dir, "poisson_X.bin", 6000), load(dir, "poisson_y.bin", 2000), 0};
  for (double v : poisson.y) for (int j = 2; j <= v; j++) poisson.logFactorials += std::log(j);
  bench("poisson", poisson, 4);
}
