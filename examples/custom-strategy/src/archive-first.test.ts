import { strategyConformanceCases } from '@chainpulse/core/testing'
import { describe, it } from 'vitest'
import { createArchiveFirstStrategy } from './archive-first.js'

describe('archive-first strategy', () => {
  for (const c of strategyConformanceCases(() => createArchiveFirstStrategy(['alpha']))) it(c.name, c.run)
})
