/**
 * The apps of one account as Keyhold's screens name them (issue 17): one key server serves several
 * PWAs, each device key belongs to one of them, and some audit entries say which app acted.
 */

/** An app as the key server names it: `name` is null once the app is no longer registered. */
export interface AppRef {
  readonly id: string;
  readonly name: string | null;
}

/** The app's display name, or its id with a note when the server no longer knows it. */
export function appLabel(app: AppRef): string {
  return app.name ?? `${app.id} (no longer registered)`;
}

/** One app's entries, under its label. */
export interface AppGroup<T> {
  readonly app: AppRef;
  readonly label: string;
  readonly items: T[];
}

/**
 * `items` grouped by app: the group of the current device (`current`, the app on screen) first,
 * then the others by label. Each group keeps the order the items came in.
 */
export function groupByApp<T extends { readonly app: AppRef; readonly current: boolean }>(items: readonly T[]): AppGroup<T>[] {
  const groups = new Map<string, AppGroup<T>>();
  for (const item of items) {
    const group = groups.get(item.app.id) ?? { app: item.app, label: appLabel(item.app), items: [] };
    group.items.push(item);
    groups.set(item.app.id, group);
  }
  const hasCurrent = (group: AppGroup<T>) => group.items.some((item) => item.current);
  return [...groups.values()].sort((a, b) => Number(hasCurrent(b)) - Number(hasCurrent(a)) || a.label.localeCompare(b.label));
}
