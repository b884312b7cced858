/**
 * A package for seeding tests: a Transform reading `users` (a postgres table) and writing
 * `report` (a file Store prefix), with the Store's credentials as ${PG_USER}/${PG_PASSWORD}.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { planRun } from '../../src/runner';
import { seedPackage, type SeedOptions, type SeedReport } from '../../src/seed';
import { lintPath } from '../../src/validate';

export interface SeedPackageOptions {
  port: number;
  database: string;
  host?: string;
  /** The `dev:` block of users (YAML, indented under spec), default: three inline rows. */
  usersDev?: string;
  /** The `dev:` block of report. */
  reportDev?: string;
  /** spec.table of users (default public.users). */
  usersTable?: string;
  /** The schema of users (YAML list under spec.schema). */
  usersSchema?: string;
  /** Extra lines appended to the Transform's spec. */
  transformExtra?: string;
  reportFormat?: string;
  /** More files (relative path → content). */
  files?: Record<string, string>;
}

export const defaultUsersSchema = `    - name: id
      type: integer
      nullable: false
    - name: name
      type: string
    - name: email
      type: string
      pii: true
    - name: active
      type: boolean
    - name: signed_up
      type: timestamp
    - name: attrs
      type: json
`;

export const threeUsers = `  dev:
    seed:
      rows:
        - { id: 1, name: Ada, email: ada@example.com, active: true, signed_up: "2024-01-02T03:04:05Z", attrs: { tier: gold } }
        - { id: 2, name: Grace, email: grace@example.com, active: false }
        - { id: 3, name: "Robert'); DROP TABLE users;--", email: bobby@example.com, attrs: [1, 2] }
`;

export function seedPackageFiles(o: SeedPackageOptions): Record<string, string> {
  return {
    'dk.yaml': `apiVersion: datakit.dev/v1alpha1
kind: Transform
metadata:
  name: shop
  version: 0.1.0
spec:
  runtime: generic-node
  mode: batch
  image: node:20-slim
  command: ["node", "-e", "0"]
  inputs:
    - dataset: users
  outputs:
    - dataset: report
${o.transformExtra ?? ''}`,
    'dataset/users.yaml': `apiVersion: datakit.dev/v1alpha1
kind: DataSet
metadata:
  name: users
  version: 0.1.0
spec:
  store: warehouse
  table: ${o.usersTable ?? 'public.users'}
  classification: confidential
  schema:
${o.usersSchema ?? defaultUsersSchema}${o.usersDev ?? threeUsers}`,
    'dataset/report.yaml': `apiVersion: datakit.dev/v1alpha1
kind: DataSet
metadata:
  name: report
  version: 0.1.0
spec:
  store: local
  prefix: report/
  format: ${o.reportFormat ?? 'jsonl'}
  classification: internal
  schema:
    - name: day
      type: date
    - name: total
      type: float
${o.reportDev ?? ''}`,
    'store/warehouse.yaml': `apiVersion: datakit.dev/v1alpha1
kind: Store
metadata:
  name: warehouse
spec:
  connector: postgres
  connection:
    host: ${o.host ?? '127.0.0.1'}
    port: ${o.port}
    database: ${o.database}
  secrets:
    username: \${PG_USER}
    password: \${PG_PASSWORD}
`,
    'store/local.yaml': `apiVersion: datakit.dev/v1alpha1
kind: Store
metadata:
  name: local
spec:
  connector: file
  connection:
    path: ./data
`,
    'connector/postgres.yaml': `apiVersion: datakit.dev/v1alpha1
kind: Connector
metadata:
  name: postgres
spec:
  type: postgres
  capabilities: [source, destination]
`,
    'connector/file.yaml': `apiVersion: datakit.dev/v1alpha1
kind: Connector
metadata:
  name: file
spec:
  type: file
  capabilities: [source, destination]
`,
    ...o.files,
  };
}

/** Writes the files into a fresh temp directory; `remove` deletes it. */
export async function writePackage(
  files: Record<string, string>,
  prefix = 'dk-seed-',
): Promise<{ dir: string; write(more: Record<string, string>): Promise<void>; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const write = async (more: Record<string, string>) => {
    for (const [file, content] of Object.entries(more)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), content);
    }
  };
  await write(files);
  return { dir, write, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Lints the package, plans its Transform and seeds it (the path `dk run --seed` takes). */
export async function seedDir(dir: string, env: Record<string, string>, options: Omit<SeedOptions, 'env'> = {}): Promise<SeedReport> {
  const lint = await lintPath(dir);
  const errors = lint.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) throw new Error(`lint errors: ${JSON.stringify(errors, null, 2)}`);
  const plan = planRun(lint, lint.transforms[0]!, { env, lenient: true });
  return seedPackage(plan, lint, { env, cwd: dir, ...options });
}
