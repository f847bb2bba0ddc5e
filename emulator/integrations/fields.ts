// Labels of secret-form fields: the catalog's for known fields, else the name made readable.
import { catalog } from '../../catalog/catalog';

export function fieldLabel(field: string): string {
  const known = catalog.secretFieldLabels[field];
  if (known) return known.label;
  const words = field.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
