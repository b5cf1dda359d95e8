import { expect, it } from 'vitest'
import * as demo from './index.js'

it('exports exactly the demo API', () => {
  expect(Object.keys(demo).sort()).toEqual(['createDevnetDemoControls', 'startDemo'])
})
