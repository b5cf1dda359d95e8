/**
 * Raised when devnet options, a personality patch or a control API body are invalid. The message names
 * the offending path (`chains[1].blockTimeMs: ...`) so the caller can fix it without reading code.
 *
 * The devnet uses `@chainpulse/core` only for shared vocabularies (which methods take a block parameter); its errors are its own, small and Node-only.
 */
export class DevnetConfigError extends Error {
  override readonly name = 'DevnetConfigError'
  /** Path of the first invalid field, e.g. `['chains', 1, 'blockTimeMs']`. */
  readonly path: readonly (string | number)[]

  constructor(message: string, path: readonly (string | number)[] = []) {
    super(message)
    this.path = path
  }
}

/**
 * Raised when an anvil node cannot be located, fails to start, exits before it is ready, or does not
 * carry out a request as asked (a reorg the chain moved under).
 */
export class AnvilError extends Error {
  override readonly name = 'AnvilError'
}

/** Raised for an unknown provider or chain, or a duplicate provider id. */
export class DevnetLookupError extends Error {
  override readonly name = 'DevnetLookupError'
}
