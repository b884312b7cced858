import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '@datakit/sdk/core';

/** Settings a project (.dk/config.yaml) or a user ($XDG_CONFIG_HOME/datakit/config.yaml) may pin. */
export interface SettingsFile {
  registry?: string;
}

async function readSettings(file: string): Promise<SettingsFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    throw new UsageError('DK123', `${file}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new UsageError('DK123', `${file}: expected a mapping such as "registry: oci://host/team"`);
  const registry = (value as Record<string, unknown>).registry;
  if (registry !== undefined && typeof registry !== 'string') throw new UsageError('DK123', `${file}: registry must be a string`);
  return registry === undefined ? {} : { registry };
}

/** The project's settings win over the user's. */
export async function readSettingsFiles(cwd: string, userConfigFile: string): Promise<SettingsFile & { source?: string }> {
  const projectFile = path.join(cwd, '.dk', 'config.yaml');
  for (const file of [projectFile, userConfigFile]) {
    const settings = await readSettings(file);
    if (settings?.registry) return { ...settings, source: file };
  }
  return {};
}
