/** Module customization hooks (run on Node's hooks thread): log each resolved ESM URL. See module-recorder.ts. */
import { appendFileSync } from 'node:fs';

let file: string | undefined;

export async function initialize(data: { file?: string } | undefined): Promise<void> {
  file = data?.file;
}

type NextResolve = (specifier: string, context: unknown) => Promise<{ url: string }>;

export async function resolve(specifier: string, context: unknown, nextResolve: NextResolve): Promise<{ url: string }> {
  const result = await nextResolve(specifier, context);
  if (file) appendFileSync(file, `esm ${result.url}\n`);
  return result;
}
