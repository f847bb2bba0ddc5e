// The theme and helpers of @capsule/page: useTheme() from the app's `app.theme(...)` (the
// resolved Theme the app declares, its preset's colours under its overrides), else the SDK's
// "light" preset (theme.py PRESETS), resolved by media/pages-theme.js as the page view resolves
// it (a value that is not a plain CSS colour or font list is ignored); withAlpha, mix and css.
import { state } from './context.js';
// The resolution (presets, fallbacks, which values are plain CSS) is shared with the page view.
import '../pages-theme.js';

const shared = globalThis.capsuleTheme;

/** `#rrggbb` with an alpha channel (0..1) as `#rrggbbaa`; a colour that is not hex comes back as given. */
export const withAlpha = shared.withAlpha;

/** The colour t of the way from a to b (t=0: a, t=1: b). */
export const mix = shared.mix;

export const css = (styles) => styles;

let cached;
export function resolvedTheme() {
  if (cached && cached.source === state.info) return cached.theme;
  const declared = state.info && state.info.theme && typeof state.info.theme === 'object' ? state.info.theme : null;
  const r = shared.resolve(declared);
  const { mode, primary, accent, background, foreground, surface, border, muted, danger, success, sidebar } = r;
  const color = {
    bg: background, fg: foreground, background, foreground, muted, surface,
    surfaceHover: mix(surface, foreground, 0.06), card: surface, popover: surface, border, input: border, ring: primary,
    primary, primaryFg: r.primaryFg, accent, accentFg: r.accentFg,
    accentSubtle: withAlpha(accent, 0.12), accentBorder: withAlpha(accent, 0.35),
    sidebar, sidebarActive: mix(sidebar, foreground, 0.08), sidebarFg: foreground, sidebarMuted: muted,
    danger, dangerSubtle: withAlpha(danger, 0.12), dangerBorder: withAlpha(danger, 0.35), destructive: danger, success,
  };
  const radius = { ...r.radius };
  const font = { ...r.font };
  const theme = {
    mode, color, radius, font,
    primary, accent, background, foreground, surface, border, muted, danger, success, sidebar,
    font_sans: font.sans, font_mono: font.mono,
  };
  cached = { source: state.info, theme };
  return theme;
}

export function useTheme() {
  return resolvedTheme();
}
