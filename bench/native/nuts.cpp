// runtime/sampler/nuts.ts (diagonal metric) and runtime/random.ts's Stream written in C++ with the
// same arithmetic in the same order, to measure what the same NUTS transition costs per leapfrog
// step at this CPU's limit: the floor for the sampler overhead that bench/sampler-overhead.mjs
// measures in JavaScript. Built and run by nuts-overhead.sh (`bash bench/native/nuts-overhead.sh`),
// which hands it, per model, a file written by nuts-reference.mjs: the fixed step size, inverse
// metric and start of an adapted JavaScript chain, an Alea state, and the draws of K transitions the
// JavaScript Nuts made from there with the same densities.
//
// For each model it (1) checks its logp against the JavaScript densities at the start, (2) runs the
// same K transitions and counts the draws equal to JavaScript's bit for bit, and (3) times the
// sampler as sampler-overhead.mjs does: the chain of K transitions (restarted R times from the same
// state, so that a run lasts long enough) against logpGrad replayed at every point the chain called
// it at, in order; sampler µs/step = (chain − replay) / calls, minimum over alternating runs of the
// process's CPU time. It writes one result line per model for nuts-reference.mjs's table.
//
// Bit-for-bit agreement needs V8's exp and log, which are fdlibm's (glibc's differ from them in the
// last bit for several per cent of arguments), and no fused multiply-adds (-ffp-contract=off). The
// eight-schools density takes log(1 + u²) where bench/handwritten.mjs takes log1p(u²), in both
// languages, as no log1p port is carried here.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

// ---- fdlibm's exp and log, as V8 (Node 20) has them: Math.exp and Math.log bit for bit ---------

static inline uint64_t bitsOf(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}
static inline double fromBits(uint64_t b) {
  double d;
  std::memcpy(&d, &b, 8);
  return d;
}
static inline int32_t highWord(double d) { return (int32_t)(bitsOf(d) >> 32); }
static inline uint32_t lowWord(double d) { return (uint32_t)bitsOf(d); }
static inline double withHighWord(double d, int32_t hi) { return fromBits((bitsOf(d) & 0xFFFFFFFFull) | ((uint64_t)(uint32_t)hi << 32)); }

static double jsExp(double x) {
  static const double halF[2] = {0.5, -0.5}, oThreshold = 7.09782712893383973096e+02, uThreshold = -7.45133219101941108420e+02,
                      ln2HI[2] = {6.93147180369123816490e-01, -6.93147180369123816490e-01},
                      ln2LO[2] = {1.90821492927058770002e-10, -1.90821492927058770002e-10}, invln2 = 1.44269504088896338700e+00,
                      P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03, P3 = 6.61375632143793436117e-05,
                      P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08, E = 2.718281828459045,
                      twom1000 = 9.33263618503218878990e-302, two1023 = 8.988465674311579539e307;
  double hi = 0, lo = 0;
  int32_t k = 0;
  uint32_t hx = (uint32_t)highWord(x);
  int32_t xsb = (hx >> 31) & 1;
  hx &= 0x7FFFFFFF;
  if (hx >= 0x40862E42) {  // |x| >= 709.78..., or not finite
    if (hx >= 0x7FF00000) return ((hx & 0xFFFFF) | lowWord(x)) != 0 ? x + x : (xsb == 0 ? x : 0.0);
    if (x > oThreshold) return INFINITY;
    if (x < uThreshold) return 0.0;
  }
  if (hx > 0x3FD62E42) {  // |x| > 0.5 ln2: reduce
    if (hx < 0x3FF0A2B2) {
      if (x == 1.0) return E;
      hi = x - ln2HI[xsb];
      lo = ln2LO[xsb];
      k = 1 - xsb - xsb;
    } else {
      k = (int32_t)(invln2 * x + halF[xsb]);
      double t = k;
      hi = x - t * ln2HI[0];
      lo = t * ln2LO[0];
    }
    x = hi - lo;
  } else if (hx < 0x3E300000) {  // |x| < 2^-28
    return 1.0 + x;
  }
  double t = x * x;
  double twopk = k >= -1021 ? fromBits((uint64_t)(uint32_t)(0x3FF00000 + (int32_t)((uint32_t)k << 20)) << 32)
                            : fromBits((uint64_t)(uint32_t)(0x3FF00000 + ((uint32_t)(k + 1000) << 20)) << 32);
  double c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k == 0) return 1.0 - ((x * c) / (c - 2.0) - x);
  double y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) return k == 1024 ? y * 2.0 * two1023 : y * twopk;
  return y * twopk * twom1000;
}

static double jsLog(double x) {
  static const double ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10, two54 = 1.80143985094819840000e+16,
                      Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01,
                      Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                      Lg7 = 1.479819860511658591e-01;
  int32_t k = 0, hx = highWord(x);
  uint32_t lx = lowWord(x);
  if (hx < 0x00100000) {  // x < 2^-1022
    if (((hx & 0x7FFFFFFF) | lx) == 0) return -INFINITY;
    if (hx < 0) return NAN;
    k -= 54;  // subnormal: scale up
    x *= two54;
    hx = highWord(x);
  }
  if (hx >= 0x7FF00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000FFFFF;
  int32_t i = (hx + 0x95F64) & 0x100000;
  x = withHighWord(x, hx | (i ^ 0x3FF00000));  // normalise x or x/2
  k += i >> 20;
  double f = x - 1.0, dk;
  if ((0x000FFFFF & (2 + hx)) < 3) {  // |f| < 2^-20
    if (f == 0.0) {
      if (k == 0) return 0.0;
      dk = (double)k;
      return dk * ln2Hi + dk * ln2Lo;
    }
    double R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    dk = (double)k;
    return dk * ln2Hi - ((R - dk * ln2Lo) - f);
  }
  double s = f / (2.0 + f);
  dk = (double)k;
  double z = s * s;
  i = hx - 0x6147A;
  double w = z * z;
  int32_t j = 0x6B851 - hx;
  double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  i |= j;
  double R = t2 + t1;
  if (i > 0) {
    double hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * ln2Hi - ((hfsq - (s * (hfsq + R) + dk * ln2Lo)) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * ln2Hi - ((s * (f - R) - dk * ln2Lo) - f);
}

// ---- runtime/random.ts's Stream: seedrandom's Alea, uniform from two steps, polar normals -------

struct Stream {
  double c, s0, s1, s2;
  double spare = NAN;

  double next() {
    double t = 2091639 * s0 + c * 2.3283064365386963e-10;  // 2^-32
    s0 = s1;
    s1 = s2;
    c = (double)(int32_t)t;  // t | 0 (t is positive and below 2^31)
    return s2 = t - c;
  }
  double uniform() {
    double a = next();  // JavaScript evaluates left to right; C++ leaves the order open
    double b = next();
    return a + (double)(int32_t)(b * 0x200000) * 1.1102230246251565e-16;  // 2^-53
  }
  double normal() {
    double z = spare;
    if (z == z) {
      spare = NAN;
      return z;
    }
    double u, v, s;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    double f = std::sqrt((-2 * jsLog(s)) / s);
    spare = v * f;
    return u * f;
  }
};

// ---- the densities of bench/handwritten.mjs (see nuts-reference.mjs for the JavaScript twins) ----

static const double LOG_2PI_HALF = 0.5 * jsLog(2 * M_PI);

/** log Normal(v | m, s), given 1/s and log s. */
static inline double normalLog(double v, double m, double invS, double logS) {
  double z = (v - m) * invS;
  return -0.5 * z * z - logS - LOG_2PI_HALF;
}

// mu ~ N(0, 2), sigma ~ HalfNormal(3), x ~ N(mu, sigma); x = [mu, sigma_log__, x].
struct Seed {
  static constexpr int size = 3;
  const double LOG_SQRT_2_OVER_PI = 0.5 * jsLog(2 / M_PI);
  const double LOG_2 = jsLog(2);

  double halfNormalLog(double t, double s) const {
    double z = jsExp(t) / s;
    return LOG_SQRT_2_OVER_PI - jsLog(s) - 0.5 * z * z + t;
  }
  double halfNormalLogGrad(double t, double s) const {
    double z = jsExp(t) / s;
    return 1 - z * z;
  }
  double logp(const double* x) const {
    double mu = x[0], t = x[1], v = x[2];
    return normalLog(mu, 0, 0.5, LOG_2) + halfNormalLog(t, 3) + normalLog(v, mu, 1 / jsExp(t), t);
  }
  double logpGrad(const double* x, double* g) const {
    double mu = x[0], t = x[1], v = x[2], invSigma = jsExp(-t), z = (v - mu) * invSigma;
    g[0] = -mu / 4 + z * invSigma;
    g[1] = halfNormalLogGrad(t, 3) + z * z - 1;
    g[2] = -z * invSigma;
    return logp(x);
  }
};

// Non-centred: mu ~ N(0, 5), tau ~ HalfCauchy(5), theta_t ~ N(0, 1) (8 of them),
// y ~ N(mu + tau * theta_t, sigma); x = [mu, tau_log__, theta_t...].
struct EightSchools {
  static constexpr int size = 10;
  static constexpr int J = 8;
  double Y[J] = {28, 8, -3, 7, -1, 1, 18, 12};
  double invS[J], logS[J];
  const double LOG_HALF_CAUCHY = jsLog(2 / M_PI) - jsLog(5);
  const double LOG_5 = jsLog(5);

  EightSchools() {
    const double sigma[J] = {15, 10, 16, 11, 9, 11, 10, 18};
    for (int j = 0; j < J; j++) {
      invS[j] = 1 / sigma[j];
      logS[j] = jsLog(sigma[j]);
    }
  }
  double logpGrad(const double* x, double* g) const {
    double mu = x[0], t = x[1], tau = jsExp(t), u = tau / 5;
    double lp = normalLog(mu, 0, 0.2, LOG_5) + LOG_HALF_CAUCHY - jsLog(1 + u * u) + t;
    double gMu = -mu / 25, gT = 1 - (2 * u * u) / (1 + u * u);
    for (int j = 0; j < J; j++) {
      double th = x[2 + j], z = (Y[j] - mu - tau * th) * invS[j];
      lp += -0.5 * th * th - LOG_2PI_HALF - 0.5 * z * z - logS[j] - LOG_2PI_HALF;
      double d = z * invS[j];  // d/d(mean) of the likelihood term
      gMu += d;
      gT += d * tau * th;
      g[2 + j] = -th + d * tau;
    }
    g[0] = gMu;
    g[1] = gT;
    return lp;
  }
};

// ---- the sampler: nuts.ts's Nuts with the diagonal metric, member for member ---------------------

/** A state of the trajectory: arena offsets of its position and gradient, V = -logp and H. */
struct PsPoint {
  size_t q, g;
  double V = 0, H = 0;
  /** A proposal still held (the sample, or a subtree's): it may not go back to the pool. */
  bool held = false;
};

/** Scratch vectors of one level of the recursion (arena offsets) and the initial half's weight and proposal. */
struct Level {
  size_t pSharpInitEnd, pInitEnd, rhoInit, pFinalBeg, pSharpFinalBeg, rhoFinal;
  double wInit = 0;
  PsPoint* proposalInit;
};

struct TransitionStats {
  double lp, acceptanceRate, energy, stepSize;
  int treeDepth, nSteps;
  bool diverging;
};

static const double WEIGHT_RANGE = 500;
/** "No vector" for kickKickDrift's rho (nuts.ts passes -1). */
static const size_t NONE = SIZE_MAX;

template <class Target>
class Nuts {
 public:
  const size_t n;
  std::vector<double> invMetric;
  double stepSize = 1;
  int maxTreeDepth = 10;
  double maxDeltaH = 1000;

  Nuts(Target& target, Stream& rng) : n(Target::size), invMetric(Target::size, 1.0), target(target), rng(rng) {
    arena.resize(n * 40);
    x = vector();
    metric = vector();
    pHalf = vector();
    for (int k = 0; k < 11; k++) topVectors[k] = vector();
    z = point();
    end = parked = next = proposal = z;
  }
  ~Nuts() {
    for (PsPoint* p : pool) delete p;
  }

  const double* position() const { return current.data(); }

  double setPosition(const double* q) {
    current.assign(q, q + n);
    double* buf = arena.data();
    for (size_t i = 0; i < n; i++) buf[x + i] = buf[z->q + i] = q[i];
    double lp = target.logpGrad(buf + x, buf + z->g);
    z->V = -lp;
    return -z->V;
  }

  void transition(TransitionStats& stats) {
    const double eps = stepSize;
    loadMetric();
    const size_t* v = topVectors;
    const size_t pFwdFwd = v[0], pSharpFwdFwd = v[1], pBckBck = v[2], pSharpBckBck = v[3];
    size_t pFwdBck = v[4], pSharpFwdBck = v[5], pBckFwd = v[6], pSharpBckFwd = v[7], rho = v[8], rhoFwd = v[9], rhoBck = v[10];
    startTrajectory();
    PsPoint *sample = z, *fwd = z, *bck = z;
    int depth = 0;

    while (depth < maxTreeDepth) {
      bool valid;
      if (rng.uniform() > 0.5) {
        std::swap(rhoBck, rho);
        std::swap(pBckFwd, pFwdBck);
        std::swap(pSharpBckFwd, pSharpFwdBck);
        end = fwd;
        pEnd = pFwdFwd;
        parked = bck;
        this->eps = eps;
        valid = buildTree(depth, pSharpFwdBck, pSharpFwdFwd, rhoFwd, pFwdBck, pFwdFwd);
        fwd = end;
      } else {
        std::swap(rhoFwd, rho);
        std::swap(pFwdBck, pBckFwd);
        std::swap(pSharpFwdBck, pSharpBckFwd);
        end = bck;
        pEnd = pBckBck;
        parked = fwd;
        this->eps = -eps;
        valid = buildTree(depth, pSharpBckFwd, pSharpBckBck, rhoBck, pBckFwd, pBckBck);
        bck = end;
      }
      if (!valid) break;
      ++depth;
      // Biased progressive sampling between the old trajectory and the new subtree.
      const double wSubtree = wTree;
      if (wSubtree > wTotal || rng.uniform() < wSubtree / wTotal) {
        release(sample);
        sample = proposal;
      } else {
        release(proposal);
      }
      wTotal += wSubtree;
      if (!merge(rhoBck, rhoFwd, rho, pSharpBckBck, pSharpBckFwd, pBckFwd, pSharpFwdBck, pFwdBck, pSharpFwdFwd)) break;
    }

    z = sample;
    const double* buf = arena.data();
    for (size_t i = 0; i < n; i++) current[i] = buf[sample->q + i];
    stats.lp = -sample->V;
    stats.acceptanceRate = nLeapfrog > 0 ? sumMetroProb / nLeapfrog : 0;
    stats.treeDepth = depth;
    stats.nSteps = nLeapfrog;
    stats.diverging = divergent;
    stats.energy = sample->H;
    stats.stepSize = eps;
  }

 private:
  Target& target;
  Stream& rng;
  std::vector<double> arena;
  size_t used = 0;
  size_t x, metric, pHalf;
  std::vector<double> current = std::vector<double>(Target::size);
  std::vector<PsPoint*> pool, free;
  size_t nFree = 0;
  PsPoint *z, *end, *parked, *next, *proposal;
  PsPoint* primed = nullptr;
  size_t pEnd = 0;
  size_t topVectors[11];
  std::deque<Level> levels;  // a deque: references to a level stay valid while deeper ones are added
  int nLeapfrog = 0;
  double sumMetroProb = 0;
  bool divergent = false;
  double H0 = 0, Href = 0, wTotal = 0, eps = 0, hLast = 0, wTree = 0;
  bool pairOk = false;

  /** A new vector of the arena (its offset); the arena grows by half when full. */
  size_t vector() {
    if (used + n > arena.size()) arena.resize(n * (size_t)std::ceil(1.5 * arena.size() / n));
    size_t offset = used;
    used += n;
    return offset;
  }

  PsPoint* point() {
    PsPoint* p = new PsPoint();
    p->q = vector();
    p->g = vector();
    pool.push_back(p);
    free.resize(pool.size());
    return p;
  }

  double kinetic(size_t p, size_t pSharp) {
    double* buf = arena.data();
    double t = 0;
    for (size_t i = 0; i < n; i++) {
      double pi = buf[p + i];
      buf[pSharp + i] = buf[metric + i] * pi;
      t += pi * pi * buf[metric + i];
    }
    return 0.5 * t;
  }

  void samplePMomentum(size_t p) {
    double* buf = arena.data();
    for (size_t i = 0; i < n; i++) buf[p + i] = rng.normal() / std::sqrt(buf[metric + i]);
  }

  /** The first half of a leapfrog step from `from` with momentum pIn: pHalf, and the new position in x and to.q. */
  void kickDrift(PsPoint* from, PsPoint* to, size_t pIn) {
    double* buf = arena.data();
    const size_t q0 = from->q, g0 = from->g, q = to->q, m = metric;
    const double h = 0.5 * eps;
    for (size_t i = 0; i < n; i++) {
      double pi = buf[pIn + i] + h * buf[g0 + i];
      double qi = buf[q0 + i] + eps * buf[m + i] * pi;
      buf[pHalf + i] = pi;
      buf[q + i] = qi;
      buf[x + i] = qi;
    }
  }

  /**
   * The gradient at `to`, the second half kick (momentum to pOut, M⁻¹ of it to pSharp, H to hLast)
   * and in the same loop the first half of the next step into `nxt`; with rho != NONE also the
   * two-leaf subtree's rho and checks (pairOk).
   */
  void kickKickDrift(PsPoint* to, PsPoint* nxt, size_t pOut, size_t pSharp, size_t rho, size_t pBeg, size_t sBeg) {
    double* buf = arena.data();
    const double lp = target.logpGrad(buf + x, buf + to->g);
    const double V = std::isnan(lp) ? INFINITY : -lp;
    to->V = V;
    const size_t q = to->q, g = to->g, q1 = nxt->q, m = metric;
    const double h = 0.5 * eps;
    double t = 0;
    if (rho == NONE) {
      for (size_t i = 0; i < n; i++) {
        const double gi = buf[g + i], mi = buf[m + i];
        const double pi = buf[pHalf + i] + h * gi;
        buf[pOut + i] = pi;
        buf[pSharp + i] = mi * pi;
        t += pi * pi * mi;
        const double ph = pi + h * gi;
        const double qi = buf[q + i] + eps * mi * ph;
        buf[pHalf + i] = ph;
        buf[q1 + i] = qi;
        buf[x + i] = qi;
      }
    } else {
      double a = 0, b = 0;
      for (size_t i = 0; i < n; i++) {
        const double gi = buf[g + i], mi = buf[m + i];
        const double pi = buf[pHalf + i] + h * gi;
        const double si = mi * pi;
        buf[pOut + i] = pi;
        buf[pSharp + i] = si;
        t += pi * pi * mi;
        const double r = buf[pBeg + i] + pi;
        buf[rho + i] = r;
        a += si * r;
        b += buf[sBeg + i] * r;
        const double ph = pi + h * gi;
        const double qi = buf[q + i] + eps * mi * ph;
        buf[pHalf + i] = ph;
        buf[q1 + i] = qi;
        buf[x + i] = qi;
      }
      pairOk = a > 0 && b > 0;
    }
    const double H = V + 0.5 * t;
    to->H = H;
    hLast = std::isnan(H) ? INFINITY : H;
  }

  /** The generalised no-U-turn criterion across merged neighbouring subtrees, plus Stan's two extra checks. */
  bool merge(size_t rhoA, size_t rhoB, size_t rhoOut, size_t sA0, size_t sA1, size_t pA1, size_t sB0, size_t pB0, size_t sB1) {
    double* buf = arena.data();
    double aMerged = 0, bMerged = 0, aExtA = 0, bExtA = 0, aExtB = 0, bExtB = 0;
    for (size_t i = 0; i < n; i++) {
      const double rA = buf[rhoA + i], rB = buf[rhoB + i];
      const double r = rA + rB;
      buf[rhoOut + i] = r;
      aMerged += buf[sB1 + i] * r;
      bMerged += buf[sA0 + i] * r;
      const double extA = rA + buf[pB0 + i];
      aExtA += buf[sB0 + i] * extA;
      bExtA += buf[sA0 + i] * extA;
      const double extB = rB + buf[pA1 + i];
      aExtB += buf[sB1 + i] * extB;
      bExtB += buf[sA1 + i] * extB;
    }
    return aMerged > 0 && bMerged > 0 && aExtA > 0 && bExtA > 0 && aExtB > 0 && bExtB > 0;
  }

  Level& level(int depth) {
    while ((int)levels.size() <= depth) {
      Level L;
      L.pSharpInitEnd = vector();
      L.pInitEnd = vector();
      L.rhoInit = vector();
      L.pFinalBeg = vector();
      L.pSharpFinalBeg = vector();
      L.rhoFinal = vector();
      L.proposalInit = z;
      levels.push_back(L);
    }
    return levels[depth];
  }

  void loadMetric() {
    double* buf = arena.data();
    for (size_t i = 0; i < n; i++) buf[metric + i] = invMetric[i];
  }

  void resetPool() {
    size_t k = 0;
    for (PsPoint* p : pool) {
      p->held = false;
      if (p != z) free[k++] = p;
    }
    z->held = true;
    nFree = k;
    end = parked = z;
    primed = nullptr;
  }

  void startTrajectory() {
    const size_t* v = topVectors;
    const size_t pFwdFwd = v[0], pSharpFwdFwd = v[1];
    samplePMomentum(pFwdFwd);
    const double h0 = z->V + kinetic(pFwdFwd, pSharpFwdFwd);
    z->H = h0;
    double* buf = arena.data();
    const size_t pBckBck = v[2], pSharpBckBck = v[3], pFwdBck = v[4], pSharpFwdBck = v[5], pBckFwd = v[6], pSharpBckFwd = v[7],
                 rho = v[8];
    for (size_t i = 0; i < n; i++) {
      const double pi = buf[pFwdFwd + i];
      buf[pBckBck + i] = pi;
      buf[pFwdBck + i] = pi;
      buf[pBckFwd + i] = pi;
      buf[rho + i] = pi;
      const double si = buf[pSharpFwdFwd + i];
      buf[pSharpFwdBck + i] = si;
      buf[pSharpBckFwd + i] = si;
      buf[pSharpBckBck + i] = si;
    }
    resetPool();
    next = take();
    H0 = h0;
    Href = h0;
    wTotal = 1;
    nLeapfrog = 0;
    sumMetroProb = 0;
    divergent = false;
  }

  PsPoint* take() {
    if (nFree > 0) return free[--nFree];
    return point();
  }

  void release(PsPoint* p) {
    p->held = false;
    if (p != end && p != parked) free[nFree++] = p;
  }

  bool buildTree(int depth, size_t pSharpBeg, size_t pSharpEnd, size_t rho, size_t pBeg, size_t pEnd) {
    if (depth == 0) {
      if (!leaf(pSharpBeg, pBeg, NONE, 0, 0)) return false;
      double* buf = arena.data();
      for (size_t i = 0; i < n; i++) {
        const double pi = buf[pBeg + i];
        buf[pEnd + i] = pi;
        buf[rho + i] = pi;
        buf[pSharpEnd + i] = buf[pSharpBeg + i];
      }
      return true;
    }
    if (depth == 1) {
      Level& L = level(1);
      if (!leaf(pSharpBeg, pBeg, NONE, 0, 0)) return false;
      L.wInit = wTree;
      L.proposalInit = proposal;
      if (!leaf(pSharpEnd, pEnd, rho, pBeg, pSharpBeg)) return false;
      choose(L);
      return pairOk;
    }
    Level& L = level(depth);
    if (!buildTree(depth - 1, pSharpBeg, L.pSharpInitEnd, L.rhoInit, pBeg, L.pInitEnd)) return false;
    L.wInit = wTree;
    L.proposalInit = proposal;
    if (!buildTree(depth - 1, L.pSharpFinalBeg, pSharpEnd, L.rhoFinal, L.pFinalBeg, pEnd)) return false;
    choose(L);
    return merge(L.rhoInit, L.rhoFinal, rho, pSharpBeg, L.pSharpInitEnd, L.pInitEnd, L.pSharpFinalBeg, L.pFinalBeg, pSharpEnd);
  }

  bool leaf(size_t pSharp, size_t pOut, size_t rho, size_t pBeg, size_t sBeg) {
    PsPoint* from = end;
    PsPoint* zPropose = next;
    if (primed != from) kickDrift(from, zPropose, this->pEnd);
    zPropose->held = true;
    next = take();
    kickKickDrift(zPropose, next, pOut, pSharp, rho, pBeg, sBeg);
    primed = zPropose;
    end = zPropose;
    this->pEnd = pOut;
    if (!from->held && from != parked) free[nFree++] = from;
    const double h = hLast;
    ++nLeapfrog;
    const double logWeight = H0 - h;
    const double e = jsExp(logWeight);
    sumMetroProb += logWeight > 0 ? 1 : e;
    if (h - H0 > maxDeltaH) {
      divergent = true;
      return false;
    }
    if (Href - h > WEIGHT_RANGE) rescale(h);
    wTree = Href == H0 ? e : jsExp(Href - h);
    proposal = zPropose;
    return true;
  }

  void rescale(double h) {
    const double f = jsExp(h - Href);
    wTotal *= f;
    for (Level& L : levels) L.wInit *= f;
    Href = h;
  }

  void choose(Level& L) {
    const double wFinal = wTree;
    const double wSubtree = L.wInit + wFinal;
    wTree = wSubtree;
    if (rng.uniform() < wFinal / wSubtree) {
      release(L.proposalInit);
    } else {
      release(proposal);
      proposal = L.proposalInit;
    }
  }
};

// ---- the driver -----------------------------------------------------------------------------------

/** CPU time of this process (ms), as the JavaScript benchmarks take process.cpuUsage(). */
static double cpuMs() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/** Keeps the compiler from dropping a computation whose result nothing reads. */
static inline void escape(const void* p) { asm volatile("" : : "g"(p) : "memory"); }

/** A model's input file from nuts-reference.mjs: lines of a key and its numbers. */
static std::map<std::string, std::vector<double>> readInput(const std::string& path) {
  std::map<std::string, std::vector<double>> in;
  FILE* fp = fopen(path.c_str(), "r");
  if (!fp) {
    fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(1);
  }
  std::vector<double>* values = nullptr;
  char tok[64];
  // A token that does not parse as a number starts the next line's key.
  while (fscanf(fp, "%63s", tok) == 1) {
    char* rest;
    double v = strtod(tok, &rest);
    if (*rest == 0 && values) values->push_back(v);
    else values = &in[tok];
  }
  fclose(fp);
  return in;
}

/** A target that keeps every point logpGrad is called at. */
template <class Model>
struct Recording {
  static constexpr int size = Model::size;
  Model& model;
  std::vector<double>& points;
  double logpGrad(const double* x, double* g) {
    points.insert(points.end(), x, x + size);
    return model.logpGrad(x, g);
  }
};

/** K transitions from the input's start and stream state; the draws go to `draws` and the steps are summed. */
template <class Target>
static long runChain(Target& target, const std::map<std::string, std::vector<double>>& in, int K, double* draws) {
  const std::vector<double>& st = in.at("stream");
  Stream rng{st[0], st[1], st[2], st[3]};
  Nuts<Target> nuts(target, rng);
  const size_t n = Target::size;
  nuts.stepSize = in.at("stepSize")[0];
  nuts.invMetric = in.at("invMetric");
  nuts.setPosition(in.at("start").data());
  TransitionStats s;
  long steps = 0;
  for (int k = 0; k < K; k++) {
    nuts.transition(s);
    steps += s.nSteps;
    if (draws) std::memcpy(draws + k * n, nuts.position(), n * sizeof(double));
  }
  return steps;
}

template <class Model>
static void run(const char* id, const std::string& dir, FILE* results) {
  const auto in = readInput(dir + "/" + id + ".txt");
  Model model;
  const int n = Model::size, K = (int)in.at("K")[0], R = (int)in.at("repeats")[0], runs = (int)in.at("runs")[0];

  // 1. The density against JavaScript's (the compiled model's, and the hand-written twin's) at the start.
  std::vector<double> g(n);
  const double lp = model.logpGrad(in.at("start").data(), g.data());
  const double lpModel = in.at("logpModel")[0], lpTwin = in.at("logpTwin")[0];
  printf("%s: logp at the start %.17g; the compiled model's differs by %.2g, the JavaScript twin's by %.2g\n", id, lp, lp - lpModel, lp - lpTwin);

  // 2. The same K transitions as JavaScript's twin chain, draw for draw.
  std::vector<double> draws((size_t)K * n);
  const long steps = runChain(model, in, K, draws.data());
  const std::vector<double>& ref = in.at("refDraws");
  int same = 0;
  while (same < K && std::memcmp(&draws[(size_t)same * n], &ref[(size_t)same * n], n * sizeof(double)) == 0) same++;
  int sameAnywhere = 0;
  for (int k = 0; k < K; k++) sameAnywhere += std::memcmp(&draws[(size_t)k * n], &ref[(size_t)k * n], n * sizeof(double)) == 0;
  printf("%s: %d of %d transitions equal JavaScript's bit for bit from the start (%d in all); leapfrog steps %ld here, %ld in JavaScript\n", id,
         same, K, sameAnywhere, steps, (long)in.at("refSteps")[0]);

  // 3. Timing: the chain (K transitions, R times from the same state) against logpGrad replayed at its points.
  std::vector<double> points;
  Recording<Model> recording{model, points};
  runChain(recording, in, K, nullptr);
  const size_t calls = points.size() / n;
  std::vector<double> x(n), gr(n);
  double sink = 0;
  auto chain = [&] {
    for (int r = 0; r < R; r++) runChain(model, in, K, nullptr);
  };
  auto replay = [&] {
    for (int r = 0; r < R; r++)
      for (size_t i = 0; i < calls; i++) {
        std::memcpy(x.data(), &points[i * n], n * sizeof(double));
        sink += model.logpGrad(x.data(), gr.data());
      }
  };
  auto copying = [&] {
    for (int r = 0; r < R; r++)
      for (size_t i = 0; i < calls; i++) {
        std::memcpy(x.data(), &points[i * n], n * sizeof(double));
        escape(x.data());
      }
  };
  auto timed = [](auto f) {
    double t0 = cpuMs();
    f();
    return cpuMs() - t0;
  };
  replay();
  double chainMs = INFINITY, gradMs = INFINITY, copyMs = INFINITY;
  for (int r = 0; r < runs; r++) {
    chainMs = std::min(chainMs, timed(chain));
    gradMs = std::min(gradMs, timed(replay));
    copyMs = std::min(copyMs, timed(copying));
  }
  escape(&sink);
  const double grad = std::max(0.0, gradMs - copyMs), totalCalls = (double)calls * R;
  fprintf(results, "%s %d %ld %zu %.6f %.6f %.6f\n", id, n, steps, calls, chainMs, grad, (chainMs - grad) * 1e3 / totalCalls);
  printf("%s: chain %.1f ms, replay %.1f ms (copying %.1f ms taken out), %.0f calls: sampler %.4f µs/step, logpGrad %.4f µs/call\n", id, chainMs,
         grad, copyMs, totalCalls, (chainMs - grad) * 1e3 / totalCalls, grad * 1e3 / totalCalls);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: nuts <dir of nuts-reference.mjs's inputs>\n");
    return 1;
  }
  const std::string dir = argv[1];
  FILE* results = fopen((dir + "/native-results.txt").c_str(), "w");
  run<EightSchools>("eight_schools", dir, results);
  run<Seed>("seed", dir, results);
  fclose(results);
  return 0;
}
