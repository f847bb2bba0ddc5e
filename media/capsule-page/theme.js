// The theme and helpers of @capsule/page: useTheme() from the app's `app.theme(...)` (the
// resolved Theme the app declares, its preset's colours under its overrides), else the SDK's
// "light" preset (theme.py PRESETS); withAlpha, mix and css.
import { state } from './context.js';

const SANS = '"Inter", ui-sans-serif, system-ui, sans-serif';
const MONO = 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
/** theme.py's "light" preset: the look of an app that declares no theme. */
const LIGHT = { primary: '#2563eb', accent: '#d97706', background: '#faf9f6', foreground: '#16140f', sidebar: '#faf9f6', surface: '#f2f1ed', border: '#dcdad4', muted: '#6b665b', danger: '#dc2626', success: '#16a34a', font_sans: SANS };
const RADII = { sm: { sm: '2px', md: '4px', lg: '6px', xl: '8px' }, md: { sm: '4px', md: '6px', lg: '8px', xl: '12px' }, lg: { sm: '6px', md: '10px', lg: '14px', xl: '20px' } };

function parseHex(hex) {
  const m = /^#?([0-9a-f]{3,8})$/i.exec(String(hex || '').trim());
  if (!m) return null;
  let h = m[1];
  if (h.length === 3 || h.length === 4) h = [...h].map((c) => c + c).join('');
  if (h.length !== 6 && h.length !== 8) return null;
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}
const hex2 = (n) => Math.round(Math.max(0, Math.min(255, n))).toString(16).padStart(2, '0');

/** `#rrggbb` with an alpha channel (0..1) as `#rrggbbaa`; a colour that is not hex comes back as given. */
export function withAlpha(hex, alpha) {
  const rgb = parseHex(hex);
  if (!rgb) return hex;
  const a = Math.max(0, Math.min(1, Number(alpha)));
  return `#${rgb.map(hex2).join('')}${hex2(a * 255)}`;
}

/** The colour t of the way from a to b (t=0: a, t=1: b). */
export function mix(a, b, t) {
  const x = parseHex(a);
  const y = parseHex(b);
  if (!x || !y) return t < 0.5 ? a : b;
  const k = Math.max(0, Math.min(1, Number(t)));
  return `#${x.map((v, i) => hex2(v + (y[i] - v) * k)).join('')}`;
}

export const css = (styles) => styles;

const luminance = (hex) => {
  const rgb = parseHex(hex);
  return rgb ? (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255 : 1;
};

let cached;
export function resolvedTheme() {
  if (cached && cached.source === state.info) return cached.theme;
  const declared = state.info && state.info.theme && typeof state.info.theme === 'object' ? state.info.theme : null;
  const t = { ...LIGHT, ...(declared || {}) };
  const str = (k, d) => (typeof t[k] === 'string' && t[k] ? t[k] : d);
  const background = str('background', LIGHT.background);
  const foreground = str('foreground', LIGHT.foreground);
  const mode = t.preset === 'dark' || t.preset === 'midnight' || (!t.preset && luminance(background) < 0.45) ? 'dark' : 'light';
  const primary = str('primary', LIGHT.primary);
  const accent = str('accent', primary);
  const surface = str('surface', LIGHT.surface);
  const border = str('border', LIGHT.border);
  const muted = str('muted', LIGHT.muted);
  const danger = str('danger', LIGHT.danger);
  const success = str('success', LIGHT.success);
  const sidebar = str('sidebar', background);
  const onPrimary = luminance(primary) > 0.6 ? '#111111' : '#ffffff';
  const color = {
    bg: background, fg: foreground, background, foreground, muted, surface,
    surfaceHover: mix(surface, foreground, 0.06), card: surface, popover: surface, border, input: border, ring: primary,
    primary, primaryFg: onPrimary, accent, accentFg: luminance(accent) > 0.6 ? '#111111' : '#ffffff',
    accentSubtle: withAlpha(accent, 0.12), accentBorder: withAlpha(accent, 0.35),
    sidebar, sidebarActive: mix(sidebar, foreground, 0.08), sidebarFg: foreground, sidebarMuted: muted,
    danger, dangerSubtle: withAlpha(danger, 0.12), dangerBorder: withAlpha(danger, 0.35), destructive: danger, success,
  };
  const radius = RADII[t.radius] || RADII.md;
  const font = { sans: str('font_sans', SANS), mono: str('font_mono', MONO) };
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
