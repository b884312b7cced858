import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '@datakit/sdk/core';

/** Settings a project (.dk/config.yaml) or a user ($XDG_CONFIG_HOME/datakit/config.yaml) may pin. */
export interface SettingsFile {
  registry?: string;
  gitops?: string;
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
  const settings: SettingsFile = {};
  for (const key of ['registry', 'gitops'] as const) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== undefined && typeof field !== 'string') throw new UsageError('DK123', `${file}: ${key} must be a string`);
    if (typeof field === 'string') settings[key] = field;
  }
  return settings;
}

/** The project's settings win over the user's, key by key. */
export async function readSettingsFiles(cwd: string, userConfigFile: string): Promise<SettingsFile & { source?: string }> {
  const projectFile = path.join(cwd, '.dk', 'config.yaml');
  const merged: SettingsFile & { source?: string } = {};
  for (const file of [projectFile, userConfigFile]) {
    const settings = await readSettings(file);
    if (settings?.registry && merged.registry === undefined) {
      merged.registry = settings.registry;
      merged.source = file;
    }
    if (settings?.gitops && merged.gitops === undefined) merged.gitops = settings.gitops;
  }
  return merged;
}
