import { APP_ID_PATTERN, APP_NAME_MAX_CHARS } from '../../protocol/constants';

/** An app of the ecosystem: its id, display name, and the origins its pages run on. */
export interface RegisteredApp {
  id: string;
  name: string;
  /** scheme://host[:port] exactly as browsers send the Origin header. */
  origins: string[];
}

/** A registration the rules below refuse; `message` is one line an operator can act on. */
export class AppRuleError extends Error {
  override readonly name = 'AppRuleError';
}

/** The id as given, or AppRuleError when it is not a short lowercase slug. */
export function checkAppId(id: string): string {
  if (!APP_ID_PATTERN.test(id)) throw new AppRuleError(`app id "${id}" must be lowercase letters, digits, '.' or '-', starting with a letter or digit, at most 64 characters`);
  return id;
}

/** The trimmed display name, or AppRuleError when empty or too long. */
export function checkAppName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > APP_NAME_MAX_CHARS) throw new AppRuleError(`app name must be 1 to ${APP_NAME_MAX_CHARS} characters`);
  return trimmed;
}

/**
 * The origin in the form browsers serialise it (RFC 6454 §6.1: lowercase host, default port
 * dropped), or AppRuleError for anything that is not http(s)://host[:port] with nothing after it.
 */
export function checkOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppRuleError(`origin "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AppRuleError(`origin "${value}" must be http:// or https://`);
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash || value.endsWith('/')) {
    throw new AppRuleError(`origin "${value}" must be scheme://host[:port] with nothing after it`);
  }
  return url.origin;
}

/** The apps as given, checked: valid ids, names and origins, no id or origin twice. */
export function checkApps(apps: readonly RegisteredApp[]): RegisteredApp[] {
  const ids = new Set<string>();
  const origins = new Map<string, string>();
  return apps.map((app) => {
    const id = checkAppId(app.id);
    if (ids.has(id)) throw new AppRuleError(`app id "${id}" is listed twice`);
    ids.add(id);
    if (app.origins.length === 0) throw new AppRuleError(`app "${id}" needs at least one origin`);
    const checked = app.origins.map(checkOrigin);
    for (const origin of checked) {
      const owner = origins.get(origin);
      if (owner !== undefined) throw new AppRuleError(`origin ${origin} is listed for both "${owner}" and "${id}"`);
      origins.set(origin, id);
    }
    return { id, name: checkAppName(app.name), origins: checked };
  });
}

/**
 * Parses the APPS setting: `id=origin[,origin…]` entries separated by `;`, e.g.
 * `keyhold=https://vault.example.com;field-notes=https://notes.example.com`. An app's display name
 * is `names[id]` when given, else its id (`npm run apps -- add` sets names for apps it adds).
 */
export function parseAppsSetting(value: string, names: Record<string, string> = {}): RegisteredApp[] {
  const entries = value.split(';').map((e) => e.trim()).filter((e) => e.length > 0);
  if (entries.length === 0) throw new AppRuleError('must list at least one app');
  return checkApps(
    entries.map((entry) => {
      const eq = entry.indexOf('=');
      if (eq <= 0) throw new AppRuleError(`entry "${entry}" must be id=origin[,origin…]`);
      const id = entry.slice(0, eq).trim();
      const origins = entry.slice(eq + 1).split(',').map((o) => o.trim()).filter((o) => o.length > 0);
      return { id, name: names[id] ?? id, origins };
    }),
  );
}
