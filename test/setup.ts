// Root hooks for every test run (.mocharc.json and `npm run test:one` load this file first).
// A rewrite loop that stops at its pass limit without a fixpoint is an error in tests (a warning
// for users): set in the environment, so child processes (the CLI, workers) inherit it.
process.env.TSMC_REWRITE_LIMIT = "throw";
