'use strict';

const fs = require('fs');

/**
 * Jest reporter that ends a run with one plain line CI reads:
 *
 *   <passed> passed, <failed> failed
 *
 * A test suite that failed without any failing test (it could not run: a syntax or import error,
 * a throwing top-level statement; or a failing afterAll hook) counts as one failed test, so a
 * broken suite can never hide behind "0 failed".
 *
 * The totals are taken in onRunComplete but written when the process exits, so the line comes
 * after Jest's own summary (which the built-in summary reporter prints after custom reporters)
 * and is the run's closing line.
 *
 * Wired in jest.config.js (top level, beside `projects`):
 *   reporters: ['default', '<rootDir>/test/support/totals-reporter.js']
 */
class TotalsReporter {
  constructor(globalConfig, reporterOptions, reporterContext) {
    this._globalConfig = globalConfig;
    this._options = reporterOptions;
    this._context = reporterContext;
    this._line = null;
    this._hooked = false;
  }

  onRunComplete(_testContexts, results) {
    const passed = results.numPassedTests || 0;
    const failed = (results.numFailedTests || 0) + brokenSuites(results);
    this._line = `${passed} passed, ${failed} failed`;
    if (!this._hooked) {
      this._hooked = true;
      process.once('exit', () => writeLine(this._line));
    }
  }
}

/** Suites that failed while none of their tests did, counted once each. */
function brokenSuites(results) {
  let broken = 0;
  for (const suite of results.testResults || []) {
    const suiteFailed = Boolean(suite.testExecError) || Boolean(suite.failureMessage);
    if (suiteFailed && !(suite.numFailingTests > 0)) broken += 1;
  }
  return Math.max(broken, results.numRuntimeErrorTestSuites || 0);
}

/** Synchronous, so nothing is lost at exit whatever stdout is (file, pipe, terminal). */
function writeLine(line) {
  if (line == null) return;
  try {
    fs.writeSync(1, `${line}\n`);
  } catch {
    process.stdout.write(`${line}\n`);
  }
}

module.exports = TotalsReporter;
