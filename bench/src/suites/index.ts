import type { BenchSuite } from '../suite.js'

/** Every benchmark suite, in the order they appear in docs/benchmarks.md. */
export const suites: BenchSuite[] = []
