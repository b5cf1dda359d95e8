import { expect, it } from 'vitest'
import * as server from './index.js'

it('exports exactly the public API', () => {
  expect(Object.keys(server).sort()).toEqual([
    'buildServer',
    'chainPulsePlugin',
    'createSnapshotPersistence',
    'createUndiciFetch',
    'defaultDeniedMethods',
    'loadConfigFile',
    'parseConfigText',
    'parseServerConfig',
    'reservedRpcSegments',
    'rpcErrorCodes',
    'serverConfigSchema',
    'startChainPulse',
    'urlSecrets',
    'wsCloseCodes',
  ])
})
