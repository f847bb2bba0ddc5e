export function vsceArgs(out: string): string[];
export function packageExtension(out: string): string;
