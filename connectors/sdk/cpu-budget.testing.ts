import { createContext, runInContext } from 'node:vm';

// Test-only: run synchronous work and stop it once it has taken `budgetMs`. A regular expression
// that backtracks blocks the thread, so a test timeout never fires and a regression would hang
// the test run for hours; node:vm's timeout interrupts the running script, the regex included.

/** What `work` returns, or throws "Script execution timed out after …ms" when it runs past `budgetMs`. */
export function withinCpuBudget<T>(budgetMs: number, work: () => T): T {
  const context = createContext({ work });
  return runInContext('work()', context, { timeout: budgetMs }) as T;
}
