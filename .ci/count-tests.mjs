// Prints `tests: N passed, M failed` from vitest's JSON report and exits non-zero when anything
// failed, the runner itself failed, or no test ran at all.
import { existsSync, readFileSync } from 'node:fs'

const [reportPath, runnerStatus] = process.argv.slice(2)
let passed = 0
let failed = 0
if (existsSync(reportPath)) {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'))
  passed = report.numPassedTests ?? 0
  failed = report.numFailedTests ?? 0
  for (const file of report.testResults ?? []) {
    // A file that failed without a failing test (import error, failing hook) counts as one failure.
    const failedTests = (file.assertionResults ?? []).filter((test) => test.status === 'failed').length
    if (file.status === 'failed' && failedTests === 0) {
      failed += 1
      console.error(`failed file: ${file.name}: ${file.message ?? ''}`)
    }
  }
} else {
  console.error(`no test report at ${reportPath}`)
  failed = 1
}
console.log(`tests: ${passed} passed, ${failed} failed`)
process.exit(failed > 0 || passed === 0 || runnerStatus !== '0' ? 1 : 0)
