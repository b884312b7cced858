import type { PackageOptions } from './package-template';

interface CodeOptions extends PackageOptions {
  input: string;
  output: string;
  envName(name: string): string;
}

/** The runnable code of a new package: it reads and writes through the run contract's variables. */
export function codeFiles(o: CodeOptions): Map<string, string> {
  const files = new Map<string, string>();
  const inputVar = `DK_INPUT_${o.envName(o.input)}`;
  const outputVar = `DK_OUTPUT_${o.envName(o.output)}`;
  switch (o.runtime) {
    case 'generic-node':
      if (o.store === 'postgres') {
        files.set(
          'package.json',
          JSON.stringify({ name: o.name, private: true, type: 'module', dependencies: { pg: '^8.13.0' } }, null, 2) + '\n',
        );
        files.set('.gitignore', 'node_modules/\n');
        files.set(
          'src/main.mjs',
          `// ${o.name}: reads table ${o.input} from Postgres and writes ${o.output}.
// dk run passes each DataSet as a JSON locator ({"store", "table"}) and each Store's address as
// DK_STORE_DSN_<STORE> (postgresql://…, credentials resolved from \${VAR} secrets at run time).
// Install the driver once: npm install
import pg from 'pg';

function locate(variable) {
  const raw = process.env[variable];
  if (!raw) throw new Error(\`\${variable} is not set: run this package with dk run\`);
  const locator = JSON.parse(raw);
  const dsn = process.env[\`DK_STORE_DSN_\${locator.store.toUpperCase().replace(/[-.]/g, '_')}\`];
  const [schema, name] = locator.table.includes('.') ? locator.table.split('.') : ['public', locator.table];
  return { dsn, table: \`"\${schema.replaceAll('"', '""')}"."\${name.replaceAll('"', '""')}"\`, schema };
}

const input = locate('${inputVar}');
const output = locate('${outputVar}');
const client = new pg.Client({ connectionString: input.dsn });
await client.connect();
try {
  const { rows } = await client.query(\`select id, name from \${input.table} order by id\`);
  const target = output.dsn === input.dsn ? client : new pg.Client({ connectionString: output.dsn });
  if (target !== client) await target.connect();
  await target.query('begin');
  await target.query(\`create schema if not exists "\${output.schema.replaceAll('"', '""')}"\`);
  await target.query(\`create table if not exists \${output.table} (id bigint not null, name text, name_length bigint)\`);
  await target.query(\`delete from \${output.table}\`);
  for (const row of rows) {
    await target.query(\`insert into \${output.table} (id, name, name_length) values ($1, $2, $3)\`, [row.id, row.name, String(row.name ?? '').length]);
  }
  await target.query('commit');
  if (target !== client) await target.end();
  console.log(\`${o.name}: wrote \${rows.length} rows\`);
} finally {
  await client.end();
}
`,
        );
        break;
      }
      files.set(
        'src/main.mjs',
        `// ${o.name}: reads the JSON-lines files of ${o.input} and writes ${o.output}.
// dk run passes each DataSet as a JSON locator ({"store", "prefix", "format"}) and each Store's
// address as DK_STORE_DSN_<STORE> (file:///… for the local file store).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function directoryOf(variable) {
  const raw = process.env[variable];
  if (!raw) throw new Error(\`\${variable} is not set: run this package with dk run\`);
  const locator = JSON.parse(raw);
  const dsn = process.env[\`DK_STORE_DSN_\${locator.store.toUpperCase().replace(/[-.]/g, '_')}\`];
  if (!dsn || !dsn.startsWith('file:')) throw new Error(\`store \${locator.store} is not a file store\`);
  return path.join(fileURLToPath(dsn), locator.prefix ?? '');
}

async function readRows(dir) {
  const rows = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort()) {
    for (const line of (await readFile(path.join(dir, file), 'utf8')).split('\\n')) {
      if (line.trim() !== '') rows.push(JSON.parse(line));
    }
  }
  return rows;
}

export function transform(row) {
  return { id: row.id, name: row.name, name_length: String(row.name ?? '').length };
}

async function runOnce() {
  const rows = await readRows(directoryOf('${inputVar}'));
  const outDir = directoryOf('${outputVar}');
  await mkdir(outDir, { recursive: true });
  const body = rows.map((row) => JSON.stringify(transform(row))).join('\\n');
  await writeFile(path.join(outDir, 'part-0000.jsonl'), rows.length > 0 ? body + '\\n' : '');
  console.log(\`${o.name}: wrote \${rows.length} rows\`);
}

if (process.env.DK_MODE === 'streaming') {
  let stopping = false;
  process.on('SIGTERM', () => (stopping = true));
  process.on('SIGINT', () => (stopping = true));
  while (!stopping) {
    await runOnce();
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
} else {
  await runOnce();
}
`,
      );
      break;
    case 'generic-python':
      if (o.store === 'postgres') {
        files.set(
          'src/main.py',
          `"""${o.name}: reads table ${o.input} from Postgres and writes ${o.output}.

dk run passes each DataSet as a JSON locator ({"store", "table"}) and each Store's address as
DK_STORE_DSN_<STORE> (postgresql://..., credentials resolved from \${VAR} secrets at run time).
It talks to Postgres through the psql client, so it needs no Python driver; the password goes
to psql through PGPASSWORD, never on its command line.
"""
import csv
import io
import json
import os
import subprocess
from urllib.parse import unquote, urlparse, urlunparse


def quote(ident):
    return '"' + ident.replace('"', '""') + '"'


def locate(variable):
    raw = os.environ.get(variable)
    if not raw:
        raise SystemExit(f"{variable} is not set: run this package with dk run")
    locator = json.loads(raw)
    store = locator["store"].upper().replace("-", "_").replace(".", "_")
    dsn = urlparse(os.environ[f"DK_STORE_DSN_{store}"])
    env = dict(os.environ, PGPASSWORD=unquote(dsn.password or ""))
    netloc = (f"{dsn.username}@" if dsn.username else "") + (dsn.hostname or "") + (f":{dsn.port}" if dsn.port else "")
    schema, _, name = locator["table"].rpartition(".")
    schema = schema or "public"
    return {"dsn": urlunparse(dsn._replace(netloc=netloc)), "env": env, "schema": quote(schema), "table": f"{quote(schema)}.{quote(name)}"}


def psql(target, *commands, stdin=None):
    args = ["psql", target["dsn"], "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1"]
    for command in commands:
        args += ["-c", command]
    return subprocess.run(args, input=stdin, env=target["env"], capture_output=True, text=True, check=True).stdout


def main():
    source = locate("${inputVar}")
    target = locate("${outputVar}")
    exported = psql(source, f"copy (select id, name from {source['table']} order by id) to stdout with (format csv)")
    rows = list(csv.reader(io.StringIO(exported)))
    out = io.StringIO()
    writer = csv.writer(out)
    for row_id, name in rows:
        writer.writerow([row_id, name, len(name)])
    psql(
        target,
        f"create schema if not exists {target['schema']}",
        f"create table if not exists {target['table']} (id bigint not null, name text, name_length bigint)",
        f"delete from {target['table']}",
        f"copy {target['table']} (id, name, name_length) from stdin with (format csv)",
        stdin=out.getvalue(),
    )
    print(f"${o.name}: wrote {len(rows)} rows", flush=True)


if __name__ == "__main__":
    main()
`,
        );
        break;
      }
      files.set(
        'src/main.py',
        `"""${o.name}: reads the JSON-lines files of ${o.input} and writes ${o.output}.

dk run passes each DataSet as a JSON locator ({"store", "prefix", "format"}) and each Store's
address as DK_STORE_DSN_<STORE> (file:///... for the local file store).
"""
import json
import os
import signal
import time
from pathlib import Path
from urllib.parse import unquote, urlparse


def directory_of(variable):
    raw = os.environ.get(variable)
    if not raw:
        raise SystemExit(f"{variable} is not set: run this package with dk run")
    locator = json.loads(raw)
    store = locator["store"].upper().replace("-", "_").replace(".", "_")
    dsn = os.environ.get(f"DK_STORE_DSN_{store}", "")
    if not dsn.startswith("file:"):
        raise SystemExit(f"store {locator['store']} is not a file store")
    return Path(unquote(urlparse(dsn).path)) / locator.get("prefix", "")


def transform(row):
    return {"id": row["id"], "name": row.get("name"), "name_length": len(row.get("name") or "")}


def run_once():
    rows = []
    for file in sorted(directory_of("${inputVar}").glob("*.jsonl")):
        rows += [json.loads(line) for line in file.read_text().splitlines() if line.strip()]
    out_dir = directory_of("${outputVar}")
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "part-0000.jsonl", "w") as out:
        for row in rows:
            out.write(json.dumps(transform(row)) + "\\n")
    print(f"${o.name}: wrote {len(rows)} rows", flush=True)


if __name__ == "__main__":
    if os.environ.get("DK_MODE") == "streaming":
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        while not stopping:
            run_once()
            time.sleep(5)
    else:
        run_once()
`,
      );
      break;
    case 'generic-go':
      files.set('go.mod', `module example.com/${o.name}\n\ngo 1.22\n`);
      files.set(
        'main.go',
        `// ${o.name}: reads the JSON-lines files of ${o.input} and writes ${o.output}.
// dk run passes each DataSet as a JSON locator ({"store", "prefix", "format"}) and each Store's
// address as DK_STORE_DSN_<STORE> (file:///... for the local file store).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type locator struct {
	Store  string \`json:"store"\`
	Prefix string \`json:"prefix"\`
}

func directoryOf(variable string) (string, error) {
	raw := os.Getenv(variable)
	if raw == "" {
		return "", fmt.Errorf("%s is not set: run this package with dk run", variable)
	}
	var loc locator
	if err := json.Unmarshal([]byte(raw), &loc); err != nil {
		return "", err
	}
	store := strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToUpper(loc.Store))
	dsn, err := url.Parse(os.Getenv("DK_STORE_DSN_" + store))
	if err != nil || dsn.Scheme != "file" {
		return "", fmt.Errorf("store %s is not a file store", loc.Store)
	}
	return filepath.Join(dsn.Path, loc.Prefix), nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	in, err := directoryOf("${inputVar}")
	if err != nil {
		return err
	}
	out, err := directoryOf("${outputVar}")
	if err != nil {
		return err
	}
	files, _ := filepath.Glob(filepath.Join(in, "*.jsonl"))
	sort.Strings(files)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	dst, err := os.Create(filepath.Join(out, "part-0000.jsonl"))
	if err != nil {
		return err
	}
	defer dst.Close()
	count := 0
	for _, file := range files {
		src, err := os.Open(file)
		if err != nil {
			return err
		}
		scanner := bufio.NewScanner(src)
		for scanner.Scan() {
			var row map[string]any
			if strings.TrimSpace(scanner.Text()) == "" {
				continue
			}
			if err := json.Unmarshal(scanner.Bytes(), &row); err != nil {
				return err
			}
			name, _ := row["name"].(string)
			line, _ := json.Marshal(map[string]any{"id": row["id"], "name": name, "name_length": len(name)})
			fmt.Fprintln(dst, string(line))
			count++
		}
		src.Close()
	}
	fmt.Printf("${o.name}: wrote %d rows\\n", count)
	return nil
}
`,
      );
      break;
    case 'dbt': {
      const project = o.name.replace(/-/g, '_');
      files.set(
        'dbt_project.yml',
        `name: ${project}\nversion: "0.1.0"\nconfig-version: 2\nprofile: ${project}\nmodel-paths: ["models"]\ntarget-path: "target"\nclean-targets: ["target", "dbt_packages"]\n`,
      );
      files.set(
        `models/${project}_output.sql`,
        `-- ${o.output}: one row per input row, with the length of its name.\nselect id, name, length(name) as name_length\nfrom {{ source('public', '${project}_input') }}\n`,
      );
      files.set(
        'models/sources.yml',
        `version: 2\n\nsources:\n  - name: public\n    schema: public\n    tables:\n      - name: ${project}_input\n`,
      );
      files.set('.gitignore', 'target/\ndbt_packages/\nlogs/\n');
      break;
    }
    case 'cloudquery':
      break;
  }
  return files;
}
