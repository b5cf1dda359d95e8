/**
 * The dashboard is built in a later issue (Preact + Vite). This shell keeps the workspace whole.
 */
export const dashboardPackageName = '@chainpulse/demo-web'
