import type { ComponentChildren } from 'preact'

/** A titled box; `actions` sit at the right of the title. */
export function Panel(props: {
  title: string
  actions?: ComponentChildren
  children: ComponentChildren
  testId?: string
}) {
  return (
    <section class="panel" data-testid={props.testId}>
      <h2>
        {props.title}
        {props.actions ? <span class="actions">{props.actions}</span> : null}
      </h2>
      {props.children}
    </section>
  )
}

/** A big number with a label, for the quick stats row. */
export function Stat(props: { label: string; value: string; tone?: 'ok' | 'bad' | 'warn'; testId?: string }) {
  return (
    <div class="stat" data-testid={props.testId}>
      <div class="label">{props.label}</div>
      <div class={`value ${props.tone ?? ''}`}>{props.value}</div>
    </div>
  )
}

/** A coloured pill whose colour follows the state name (healthy, open, cooldown, …). */
export function Badge(props: { state: string | null | undefined; label?: string }) {
  const state = props.state ?? 'unknown'
  return <span class={`badge ${state}`}>{props.label ?? state}</span>
}

/** Shown where a view has nothing to show yet. */
export function Empty(props: { children: ComponentChildren }) {
  return <p class="muted">{props.children}</p>
}
