import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { DashboardStore } from './stream/dashboard-store.js'

/** The live store, provided once by the app. */
export const StoreContext = createContext<DashboardStore | null>(null)

/** The live store of the nearest provider. @throws {Error} outside `<StoreContext.Provider>`. */
export function useStore(): DashboardStore {
  const store = useContext(StoreContext)
  if (!store) throw new Error('useStore needs a <StoreContext.Provider>')
  return store
}
