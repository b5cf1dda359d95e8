/** Runs a control action, labelled for the Live Test tab's log of what was done and how it went. */
export type Run = (label: string, action: () => Promise<unknown>) => void
