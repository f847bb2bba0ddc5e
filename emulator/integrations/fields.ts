// Secret-form fields: labels (the catalog's for known fields, else the name made readable) and
// which fields hold secrets (masked in the form, and by the emulator's scrubber in its output).
import { catalog } from '../../catalog/catalog';

export function fieldLabel(field: string): string {
  const known = catalog.secretFieldLabels[field];
  if (known) return known.label;
  const words = field.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Known integrations' fields are secret as the catalog says; every field of a custom form is. */
export function isSecretField(type: string, field: string): boolean {
  if (!catalog.integrations.has(type)) return true;
  return catalog.secretFieldLabels[field]?.secret ?? true;
}

/**
 * Whether a stored connection's field holds a secret (the scrubber masks those). A Pipedream
 * account's fields describe it (id, app slug, API base URL): its token is the access token.
 */
export function isSecretStoredField(c: { type: string; mode: string }, field: string): boolean {
  if (c.mode === 'pipedream') return false;
  return isSecretField(c.type, field);
}
