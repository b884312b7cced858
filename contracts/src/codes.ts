/**
 * The catalogue of diagnostic codes. Codes are stable: once published a code keeps its meaning.
 * DK1xx syntax and schema, DK2xx references, DK3xx governance, DK4xx graph, DK5xx package and artifact.
 */
export type Severity = 'error' | 'warning' | 'info';

export interface CodeInfo {
  readonly title: string;
  readonly severity: Severity;
  readonly explanation: string;
  readonly fix: string;
}

export const codes = {
  DK100: {
    title: 'YAML syntax error',
    severity: 'error',
    explanation: 'The file is not valid YAML, so none of it can be read.',
    fix: 'Correct the YAML at the reported line; check indentation, colons and brackets.',
  },
  DK101: {
    title: 'Duplicate key',
    severity: 'error',
    explanation: 'A mapping has the same key twice. YAML parsers disagree on which value wins, so DataKit refuses the file.',
    fix: 'Keep one of the two keys.',
  },
  DK102: {
    title: 'Document is not a mapping',
    severity: 'error',
    explanation: 'A manifest must be a YAML mapping with apiVersion, kind, metadata and spec at the top.',
    fix: 'Make the document a mapping: apiVersion: datakit.dev/v1alpha1, kind: …, metadata: {name: …}, spec: {…}.',
  },
  DK103: {
    title: 'Unknown kind',
    severity: 'error',
    explanation: 'kind must be one of Transform, DataSet, DataSetGroup, Connector or Store.',
    fix: 'Correct the kind, or move the file out of the package if it is not a DataKit manifest.',
  },
  DK104: {
    title: 'Unknown apiVersion',
    severity: 'error',
    explanation: 'apiVersion must be datakit.dev/v1alpha1 (or the existing datakit.infoblox.dev/v1alpha1).',
    fix: 'Set apiVersion: datakit.dev/v1alpha1.',
  },
  DK105: {
    title: 'Wrong type',
    severity: 'error',
    explanation: 'A field has a value of the wrong type (for example a list where a mapping is expected).',
    fix: 'Give the field a value of the expected type; see the schema in contracts/schemas/.',
  },
  DK106: {
    title: 'Missing required field',
    severity: 'error',
    explanation: 'A field that every manifest of this kind needs is missing.',
    fix: 'Add the field.',
  },
  DK107: {
    title: 'Unknown field',
    severity: 'warning',
    explanation: 'A field is not part of the manifest format. It is ignored, which usually hides a typo.',
    fix: 'Correct the name (a suggestion is given when one is close) or remove the field.',
  },
  DK108: {
    title: 'Value not allowed',
    severity: 'error',
    explanation: 'A field only accepts a fixed set of values.',
    fix: 'Use one of the listed values.',
  },
  DK109: {
    title: 'Invalid value',
    severity: 'error',
    explanation: 'A value does not meet the constraints of its field (length, range, number of items).',
    fix: 'Correct the value as the message says.',
  },
  DK110: {
    title: 'Invalid name',
    severity: 'error',
    explanation:
      'Names are DNS-1123 labels: lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters.',
    fix: 'Rename, e.g. "My_Table" → "my-table".',
  },
  DK111: {
    title: 'Invalid semantic version',
    severity: 'error',
    explanation:
      'Versions follow semver (MAJOR.MINOR.PATCH with optional -prerelease and +build); version ranges follow npm semver ranges.',
    fix: 'Use a version such as 1.2.3, or a range such as ^1.2.0.',
  },
  DK112: {
    title: 'Invalid cron expression or time zone',
    severity: 'error',
    explanation:
      'Schedules use five-field cron (minute hour day-of-month month day-of-week) or @hourly, @daily, @weekly, @monthly, @yearly, and an IANA time zone.',
    fix: 'Correct the expression, e.g. "0 */6 * * *", and the time zone, e.g. Europe/Paris.',
  },
  DK113: {
    title: 'Invalid duration',
    severity: 'error',
    explanation: 'Durations are written as a number and a unit: ms, s, m, h or d, possibly combined (1h30m).',
    fix: 'Use a duration such as 30m or 1h30m.',
  },
  DK114: {
    title: 'Exactly one of several fields required',
    severity: 'error',
    explanation:
      'Some fields exclude each other: a DataSet reference has either dataset or tags; a DataSet is located by exactly one of table, prefix or topic.',
    fix: 'Keep exactly one of the fields named in the message.',
  },
  DK115: {
    title: 'File too large',
    severity: 'error',
    explanation: 'Manifests are small; a file over the limit is refused without being read, so a stray data file cannot exhaust memory.',
    fix: 'Move data files out of the manifest folders, or add them to .dkignore.',
  },
  DK116: {
    title: 'Not a UTF-8 text file',
    severity: 'error',
    explanation: 'The file is binary or not valid UTF-8.',
    fix: 'Save the file as UTF-8, or move it out of the manifest folders.',
  },
  DK117: {
    title: 'YAML aliases refused',
    severity: 'error',
    explanation:
      'The file uses more YAML aliases than a manifest needs. Expanding them could exhaust memory (a "billion laughs" alias bomb), so the file is refused without expanding them.',
    fix: 'Write the values out instead of using anchors and aliases.',
  },
  DK118: {
    title: 'Existing apiVersion group',
    severity: 'info',
    explanation: 'datakit.infoblox.dev/v1alpha1 is the group of the existing implementation. It is read unchanged.',
    fix: 'Optionally switch to apiVersion: datakit.dev/v1alpha1.',
  },
  DK119: {
    title: 'Legacy kind ignored',
    severity: 'info',
    explanation:
      'The Pipeline kind of the existing implementation is accepted so that its packages lint, but it has no effect: the Transform (dk.yaml) describes the computation.',
    fix: 'Move image, command and env into the Transform spec and delete the Pipeline manifest.',
  },
  DK120: {
    title: 'Incomplete manifest',
    severity: 'warning',
    explanation:
      'A manifest lacks something it will need to run, though it can be linted (a Connector without type, a Store with an empty connection).',
    fix: 'Fill in the field named in the message.',
  },
  DK121: {
    title: 'Several documents in one file',
    severity: 'info',
    explanation: 'The file holds several YAML documents; each is read as its own manifest.',
    fix: 'None needed; one manifest per file is easier to review.',
  },
  DK122: {
    title: 'Invalid overlay',
    severity: 'error',
    explanation: 'A -f values file or a --set expression could not be applied.',
    fix: 'Use --set path.to.field=value (list items as name[0]) and -f files holding a YAML mapping.',
  },
  DK123: {
    title: 'Invalid command-line usage',
    severity: 'error',
    explanation: 'An option has a value the command does not accept, or an argument names something that does not exist (a code, a shell).',
    fix: 'Run the command with --help to see what it accepts.',
  },
  DK201: {
    title: 'Unknown DataSet',
    severity: 'error',
    explanation: 'A Transform or a column lineage (from) names a DataSet that is not declared anywhere in the linted tree.',
    fix: 'Declare the DataSet (dataset/<name>.yaml or datasets/<name>/dk.yaml) or correct the name.',
  },
  DK202: {
    title: 'Ambiguous reference',
    severity: 'error',
    explanation: 'A reference matches more than one manifest (the same name declared twice, or tags that match several DataSets).',
    fix: 'Rename one of the manifests, or narrow the reference with a version range or more tags.',
  },
  DK203: {
    title: 'Unknown Store',
    severity: 'error',
    explanation: 'A DataSet or DataSetGroup names a Store that is not declared in the linted tree.',
    fix: 'Declare the Store (store/<name>.yaml) or correct the name.',
  },
  DK204: {
    title: 'Unknown Connector',
    severity: 'error',
    explanation: 'A Store names a Connector that is neither declared in the linted tree nor a built-in connector type.',
    fix: 'Declare the Connector (connector/<name>.yaml), use a built-in type, or correct the name.',
  },
  DK205: {
    title: 'External reference not checked',
    severity: 'info',
    explanation:
      'The linted tree declares no manifests of the referenced kind, so the reference is taken to be provided elsewhere (another package or the platform) and is not checked here.',
    fix: 'Lint the whole project (--scan-dir at its root) to check references across packages.',
  },
  DK206: {
    title: 'Unknown column in column lineage',
    severity: 'error',
    explanation: "A field's from names a column that the source DataSet does not declare.",
    fix: "Correct the column name, or declare it in the source DataSet's schema.",
  },
  DK207: {
    title: 'DataSetGroup member unknown',
    severity: 'error',
    explanation: 'A DataSetGroup lists a DataSet that is not declared, or that lives in another Store.',
    fix: "Declare the DataSet in the group's Store, or remove it from the group.",
  },
  DK301: {
    title: 'PII without sufficient classification',
    severity: 'error',
    explanation: 'A DataSet with a field marked pii: true must be classified confidential or restricted.',
    fix: 'Set spec.classification: confidential (or restricted), or remove pii from the field if it holds no personal data.',
  },
  DK302: {
    title: 'PII lost through column lineage',
    severity: 'error',
    explanation: 'A field derived (from) a PII column carries the same personal data and must be marked pii: true too.',
    fix: 'Mark the derived field pii: true and classify its DataSet confidential or restricted.',
  },
  DK303: {
    title: 'Literal secret',
    severity: 'error',
    explanation: 'Secrets must be ${VAR} references resolved at run time; a literal value would be committed, bundled and published.',
    fix: 'Replace the value with a reference such as ${PG_PASSWORD} and provide the variable at run time.',
  },
  DK304: {
    title: 'Credential in a connection',
    severity: 'error',
    explanation:
      'A connection holds a password or token, as a field or inside a connection string (user:password@host, password=…). Connections are not secret and end up in artifacts and logs.',
    fix: 'Remove the credential from the connection and declare it under spec.secrets as a ${VAR} reference.',
  },
  DK305: {
    title: 'Secret outside a Store',
    severity: 'error',
    explanation: "Only Stores may carry secrets. A credential in a Transform's env or anywhere else would be bundled into the artifact.",
    fix: 'Declare the credential on the Store the Transform uses (spec.secrets: {password: ${VAR}}); the runner passes it to the code.',
  },
  DK306: {
    title: 'Output without classification',
    severity: 'warning',
    explanation: 'With --strict every output DataSet must declare a classification (public, internal, confidential or restricted).',
    fix: 'Add spec.classification to the DataSet.',
  },
  DK307: {
    title: 'Secret that is not a reference',
    severity: 'info',
    explanation:
      'A value under spec.secrets is a literal. Its key does not look like a credential, so it is allowed, but it will be stored in clear.',
    fix: 'Move non-secret settings to spec.connection, or make the value a ${VAR} reference.',
  },
  DK401: {
    title: 'Cycle in the pipeline',
    severity: 'error',
    explanation: 'Transforms depend on each other in a loop through their DataSets, so no run order exists.',
    fix: 'Break the loop: one of the Transforms must not read what it (indirectly) writes.',
  },
  DK402: {
    title: 'DataSet produced twice',
    severity: 'error',
    explanation: 'Two Transforms write the same DataSet; which one is authoritative is undefined.',
    fix: 'Give each Transform its own output DataSet.',
  },
  DK501: {
    title: 'No package found',
    severity: 'error',
    explanation: 'The directory holds no DataKit manifest (no dk.yaml, no transforms/ or datasets/ folders).',
    fix: 'Run dk init <name> to scaffold a package, or point dk at the package directory (--scan-dir to search below it).',
  },
  DK502: {
    title: 'Path not found',
    severity: 'error',
    explanation: 'The path given on the command line does not exist.',
    fix: 'Check the path.',
  },
  DK503: {
    title: 'File cannot be read',
    severity: 'error',
    explanation: 'The file exists but could not be read (permissions, a directory where a file is expected, an I/O error).',
    fix: "Check the file's permissions and type.",
  },
  DK504: {
    title: 'Symbolic link loop',
    severity: 'warning',
    explanation: 'A symbolic link in the scanned tree points back at one of its own parent directories. It is skipped.',
    fix: 'Remove the link, or add it to .dkignore.',
  },
  DK505: {
    title: 'Destination exists',
    severity: 'error',
    explanation: 'The command would overwrite an existing file or directory, which it never does.',
    fix: 'Choose another name or remove the existing directory first.',
  },
  DK510: {
    title: 'Digest mismatch',
    severity: 'error',
    explanation: 'Content does not hash to the digest that names it: it is corrupt or was tampered with.',
    fix: 'Fetch or push it again from a trusted source.',
  },
  DK511: {
    title: 'Size mismatch',
    severity: 'error',
    explanation: 'Content is longer or shorter than its descriptor says.',
    fix: 'Fetch or push it again from a trusted source.',
  },
  DK512: {
    title: 'Secret file in package',
    severity: 'error',
    explanation:
      'A file looks like a secret (.env, a private key, a key store, a kubeconfig, cloud credentials, a service-account key) and would be published inside the artifact.',
    fix: 'Add it to .dkignore, or pass --allow-secret-files if it really holds no secret.',
  },
  DK513: {
    title: 'Path outside the package',
    severity: 'error',
    explanation: 'A symbolic link resolves outside the package, or a named manifest or schema file is not below the package directory.',
    fix: 'Copy the file into the package, make the link point inside it, or add the link to .dkignore.',
  },
  DK514: {
    title: 'Unsafe or invalid archive',
    severity: 'error',
    explanation:
      'A layer is not a valid gzip tar, or holds an absolute path, "..", a link leading outside, a hard link, a device or FIFO, a duplicate, or an entry beneath a file. Nothing is extracted.',
    fix: 'Do not use the artifact; rebuild it with dk build.',
  },
  DK515: {
    title: 'Not an OCI image layout',
    severity: 'error',
    explanation:
      'The directory holds other files, or its oci-layout or index.json file is missing, malformed or of an unsupported version.',
    fix: 'Point at an empty or new directory, or repair or remove the layout.',
  },
  DK516: {
    title: 'Invalid tag or digest',
    severity: 'error',
    explanation: 'A tag must match [A-Za-z0-9_][A-Za-z0-9._-]{0,127} (no "+"), and a digest must be sha256:<64 hex digits>.',
    fix: 'Use a valid tag, e.g. 1.0.0-rc.1 rather than 1.0.0+build.',
  },
  DK517: {
    title: 'Cannot write',
    severity: 'error',
    explanation: 'A file or directory could not be written (permissions, a full disk), or the layout lock timed out.',
    fix: 'Check permissions and free space; remove a stale index.json.lock if no dk is running.',
  },
  DK520: {
    title: 'Invalid artifact reference',
    severity: 'error',
    explanation:
      'The reference, host, repository, tag or digest breaks the OCI distribution rules, so it is refused before any request (registries answer such names with an unhelpful "404 page not found").',
    fix: 'Write oci://<host>[:port]/<repository>[:<tag>|@sha256:<hex>] with a lower-case repository and a tag of 1–128 characters without "+".',
  },
  DK521: {
    title: 'Registry unreachable',
    severity: 'error',
    explanation: 'The registry (or its token server) refused, reset or timed out the connection, also after retries.',
    fix: 'Check the address and that the registry is running.',
  },
  DK522: {
    title: 'TLS connection failed',
    severity: 'error',
    explanation: "The registry's certificate is not trusted, or one side is not speaking TLS.",
    fix: "Pass --ca-file with the CA that signed the registry's certificate, or add/drop --plain-http.",
  },
  DK523: {
    title: 'Registry authentication failed',
    severity: 'error',
    explanation: 'The registry answered 401: credentials are missing or were rejected.',
    fix: 'Set DK_REGISTRY_USERNAME and DK_REGISTRY_PASSWORD, or docker login to the registry.',
  },
  DK524: {
    title: 'Registry access denied',
    severity: 'error',
    explanation:
      'The registry answered 403, or 401 insufficient_scope: the credentials are valid but may not pull or push this repository.',
    fix: 'Grant the account pull (and push) on the repository.',
  },
  DK525: {
    title: 'Not found in registry',
    severity: 'error',
    explanation: 'The manifest, blob or repository does not exist in the registry.',
    fix: 'Check the repository name, the tag and the registry address.',
  },
  DK526: {
    title: 'Registry rejected the request',
    severity: 'error',
    explanation:
      'The registry refused the request (for example MANIFEST_INVALID or MANIFEST_BLOB_UNKNOWN); its own detail is in the message.',
    fix: 'Correct the content, or push the missing blobs first.',
  },
  DK527: {
    title: 'Manifest too large',
    severity: 'error',
    explanation: 'The manifest is over the 4 MiB registries accept; it is refused before sending.',
    fix: 'Move content from the manifest into layers.',
  },
  DK528: {
    title: 'Registry server error',
    severity: 'error',
    explanation: 'The registry kept answering 5xx or 429, or answered something malformed, after retries.',
    fix: "Retry later; check the registry's health.",
  },
  DK529: {
    title: 'Registry credentials unreadable',
    severity: 'error',
    explanation: 'The Docker configuration could not be read, or a credential helper failed or is missing.',
    fix: 'Fix ~/.docker/config.json or install the credential helper it names.',
  },
  DK530: {
    title: 'Version already published',
    severity: 'error',
    explanation:
      'A version tag is immutable: it already points at another digest in the registry, so pushing would change what that version means for everyone who deployed it.',
    fix: 'Bump metadata.version in dk.yaml. Prerelease versions (1.2.0-rc.1) may be moved with --allow-overwrite.',
  },
  DK531: {
    title: 'Malformed artifact',
    severity: 'error',
    explanation: 'An artifact manifest or index could not be read, or the destination stored it under another digest.',
    fix: 'Rebuild and republish the artifact; check that the registry is OCI-compliant.',
  },
  DK532: {
    title: 'Artifact not found',
    severity: 'error',
    explanation: 'No artifact exists under that tag or digest at that location.',
    fix: 'Check the reference (dk inspect, or list the tags), or publish the package first.',
  },
  DK533: {
    title: 'Not a single package',
    severity: 'error',
    explanation: 'Building and publishing work on one package: a directory whose dk.yaml holds exactly one Transform.',
    fix: 'Point the command at the package directory (the one with dk.yaml).',
  },
  DK601: {
    title: 'Secret variable not set',
    severity: 'error',
    explanation: 'A ${VAR} a Store needs is not set in the environment of the run. Secrets are read at run time only and never stored.',
    fix: 'Export the variable in the shell (or CI step) that runs dk.',
  },
  DK602: {
    title: 'Store incomplete for running',
    severity: 'error',
    explanation: 'The Store lacks what its connector needs to be reached (an s3 bucket, kafka bootstrap servers).',
    fix: 'Add the missing connection field named in the message.',
  },
  DK603: {
    title: 'Not declared in the package',
    severity: 'error',
    explanation: 'A run needs every DataSet and Store the Transform uses to be declared, to tell the code where its data is.',
    fix: 'Declare the DataSet or Store in the package (dataset/, store/), or run from the project root.',
  },
  DK604: {
    title: 'Cannot start the transform',
    severity: 'error',
    explanation:
      'The transform could not be started: no spec.command for a local run, the command is not installed, or no container engine is available.',
    fix: 'Add spec.command, install the command, or install podman or docker.',
  },
  DK605: {
    title: 'Transform failed',
    severity: 'error',
    explanation: 'The transform exited with a non-zero code, was killed, or ran past its timeout.',
    fix: "Read the transform's output above; raise spec.timeout or --timeout if it needs longer.",
  },
  DK650: {
    title: 'Dataset cannot be named for lineage',
    severity: 'error',
    explanation:
      'OpenLineage names a dataset by where it physically lives (postgres://host:port plus database.schema.table, s3://bucket plus key, kafka://broker:port plus topic, file://host plus path). The Store lacks what its connector needs, or the DataSet has no table, prefix or topic.',
    fix: 'Set the missing connection field on the Store (literal, not ${VAR}), or table/prefix/topic on the DataSet.',
  },
  DK651: {
    title: 'Invalid lineage event',
    severity: 'error',
    explanation:
      'An event does not validate against the official OpenLineage schemas (RunEvent, or a facet against its own schema), or the run id is not a UUID.',
    fix: 'Pass a UUID as the run id (DK_RUN_ID); otherwise report a DataKit bug with the listed problems.',
  },
  DK652: {
    title: 'Invalid lineage target',
    severity: 'error',
    explanation:
      '--lineage or OPENLINEAGE_URL must be an http(s):// URL (Marquez), datahub+https://host (DataHub), file:path, console or off. Credentials may not be written into the URL.',
    fix: 'Correct the value, e.g. --lineage http://localhost:5000 or --lineage file:lineage.jsonl; pass the API token separately.',
  },
  DK653: {
    title: 'Lineage event rejected',
    severity: 'error',
    explanation:
      'The backend answered 4xx and refused the event (Marquez answers 422 with its reasons; 401/403 mean a bad token). The event is not sent again.',
    fix: "Read the backend's answer in the message; check the token for 401/403.",
  },
  DK654: {
    title: 'Lineage backend unreachable',
    severity: 'warning',
    explanation:
      'The backend could not be reached, timed out, or kept answering 5xx/429 after retries. Events are buffered and retried; the run does not fail unless asked to.',
    fix: 'Check that the backend runs at the --lineage / OPENLINEAGE_URL address.',
  },
  DK655: {
    title: 'Lineage events dropped',
    severity: 'warning',
    explanation:
      'Events were lost: the buffer in front of an unreachable backend was full (the oldest are dropped), or events were still undelivered at the end of the run. The message counts them.',
    fix: 'Bring the backend up, or also write lineage to a file (--lineage file:<path>).',
  },
  DK656: {
    title: 'Cannot write lineage file',
    severity: 'error',
    explanation: 'The lineage file could not be created or appended to (permissions, a directory in the way, a full disk).',
    fix: 'Check the path and its permissions.',
  },
  DK660: {
    title: 'Seed database unreachable',
    severity: 'error',
    explanation:
      "The Store's PostgreSQL could not be reached: connection refused, unknown host, timeout, or the database does not exist. The message names host:port and the Store, never credentials.",
    fix: 'Start the database, or correct connection.host/port/database of the Store; create the database if it is missing.',
  },
  DK661: {
    title: 'Seed database refused the credentials',
    severity: 'error',
    explanation:
      "The server rejected the user or password resolved from the Store's ${VAR} secrets (bad password, no pg_hba entry, unknown role). Values are never printed.",
    fix: "Export the right values for the Store's secret variables (e.g. PG_USER, PG_PASSWORD) where dk runs.",
  },
  DK662: {
    title: 'Bad seed file',
    severity: 'error',
    explanation:
      'A seed file is missing, unreadable, of an unsupported type, or malformed: an unclosed CSV quote, a row with a different field count than the header, invalid JSON, a .json that is not an array of objects, a .jsonl line that is not an object. Reported as file:line:col.',
    fix: "Fix the file at that line. Seed files are .csv (with a header), .json (an array) or .jsonl, relative to the manifest's folder.",
  },
  DK663: {
    title: 'Seed column not in the schema',
    severity: 'error',
    explanation: "A seed row names a column that the DataSet's spec.schema does not declare.",
    fix: 'Rename the seed column (see the did-you-mean), or add the field to spec.schema.',
  },
  DK664: {
    title: 'Seed value of the wrong type',
    severity: 'error',
    explanation:
      'A value does not fit its column (integer, number, boolean, ISO 8601 timestamp, date, JSON), or is null or missing where nullable: false.',
    fix: "Correct the value at the location shown, or the field's type.",
  },
  DK665: {
    title: 'Unknown seed profile',
    severity: 'error',
    explanation: '--profile names a profile that no DataSet declares under spec.dev.seed.profiles.',
    fix: 'Use one of the listed profiles, or leave out --profile.',
  },
  DK666: {
    title: 'DataSet cannot be seeded',
    severity: 'error',
    explanation:
      "Seeding loads postgres tables (spec.table) and file Stores (spec.prefix, format jsonl/json/csv). This Store's type, a missing table or prefix, the format, or a prefix leaving the Store directory rules it out.",
    fix: 'Remove spec.dev.seed, or keep the dev copy in a postgres or file Store.',
  },
  DK667: {
    title: 'Seed on a Transform',
    severity: 'error',
    explanation: 'spec.dev.seed on a Transform does not say which DataSet it fills, so it is not loaded.',
    fix: 'Move it to spec.dev.seed of the input DataSet.',
  },
  DK668: {
    title: 'Seed could not be written',
    severity: 'error',
    explanation:
      "The database refused a statement (the existing table differs from the schema, permissions, constraints), or a file Store's seed file could not be written. The transaction was rolled back.",
    fix: 'Read the database message; align or drop the table so dk recreates it; grant CREATE/INSERT/DELETE.',
  },
  DK610: {
    title: 'Runtime tool not installed',
    severity: 'error',
    explanation:
      'dk run --local runs dbt or CloudQuery from PATH for a dbt or cloudquery Transform without spec.command, and the program is not installed.',
    fix: 'Install it (pip install dbt-postgres; the cloudquery CLI), or run without --local so spec.image runs in a container.',
  },
  DK611: {
    title: 'No Store for the runtime',
    severity: 'error',
    explanation:
      'dbt builds its models in a Postgres Store; a CloudQuery sync needs input DataSets (sources) and output DataSets (destinations). The Transform has neither.',
    fix: 'Put the output DataSet on a Store whose Connector has type: postgres (dbt); declare inputs and outputs (CloudQuery).',
  },
  DK612: {
    title: 'CloudQuery plugin not declared',
    severity: 'error',
    explanation:
      "Each input Store needs a source plugin and each output Store a destination plugin, taken from its Connector's spec.plugin.source / spec.plugin.destination.",
    fix: 'Set them on the Connector: an image (ghcr.io/cloudquery/cq-source-postgresql:v8.0.0) or cloudquery/<name>@<version>.',
  },
  DK613: {
    title: 'Cannot write runtime configuration',
    severity: 'error',
    explanation: 'The temporary directory for the generated profiles.yml or sync spec could not be created.',
    fix: 'Check that TMPDIR exists and is writable.',
  },
  DK670: {
    title: 'Output check failed',
    severity: 'error',
    explanation:
      'An output DataSet does not match its declared schema (columns, types, nullability) or its spec.quality (row count, not null, unique, accepted values). Each failure lists what was seen; PII values are never shown.',
    fix: 'Fix the transform so its output matches the contract, or change the contract if the data is right.',
  },
  DK671: {
    title: 'Output check could not run',
    severity: 'warning',
    explanation:
      'A check was skipped: a store other than file or postgres, a format other than jsonl/csv/parquet, Parquet values (only the footer is read), or a column the output lacks. Skipped checks do not fail dk test.',
    fix: 'Test against a file or postgres store, or write jsonl or csv.',
  },
  DK672: {
    title: 'Output could not be read',
    severity: 'error',
    explanation:
      'Reading an output after the run failed (permissions, a database refusing or unreachable, a dropped connection). Its checks are reported as errors and dk test exits 2.',
    fix: "Check the store's address and credentials (the ones the transform was given) and directory permissions.",
  },
  DK673: {
    title: 'Streaming Transform cannot be tested',
    severity: 'error',
    explanation: 'dk test runs a Transform to completion and then checks its outputs; a streaming Transform never completes.',
    fix: 'Test the logic in a batch package, or use dk run.',
  },
  DK680: {
    title: 'Cannot read the lineage events file',
    severity: 'error',
    explanation: 'The --events file does not exist, is a directory, or is unreadable.',
    fix: 'Pass the file dk run --lineage file:<path> wrote; check permissions.',
  },
  DK681: {
    title: 'Invalid lineage events file',
    severity: 'error',
    explanation:
      'A line is not a JSON object. The file must hold one OpenLineage event per line; blank lines and events without a run are skipped.',
    fix: 'Fix or remove the line named in the message; a truncated last line means a run was killed mid-write.',
  },
  DK682: {
    title: 'Invalid Marquez URL',
    severity: 'error',
    explanation: "--sync-marquez must be Marquez's http(s) base URL with no credentials in it.",
    fix: 'For example --sync-marquez http://localhost:5000; put the token in OPENLINEAGE_API_KEY.',
  },
  DK683: {
    title: 'Not found in Marquez',
    severity: 'error',
    explanation:
      'Marquez answered 404 for the namespace, dataset or field. Marquez only learns datasets and fields from lineage events; the other DataSets are still tagged.',
    fix: 'Run the Transform with --lineage pointing at Marquez and sync again.',
  },
  DK684: {
    title: 'Marquez refused the request',
    severity: 'error',
    explanation: 'Marquez answered 4xx other than 404. 401/403 (a bad or missing token) stop the sync; 400/422 are reported per tag.',
    fix: "Check OPENLINEAGE_API_KEY; otherwise read Marquez's answer in the message.",
  },
  DK685: {
    title: 'Marquez unreachable',
    severity: 'error',
    explanation: 'Network failure, timeout, or 5xx/408/429 after retries with backoff; the sync stops.',
    fix: 'Check that Marquez runs at that address.',
  },
  DK686: {
    title: 'DataSet has no physical name',
    severity: 'warning',
    explanation:
      'Its Store is not declared in the tree (or the DataSet is external), or lacks what naming needs (DK650), so it cannot be found in Marquez; it is not synced.',
    fix: 'Catalog from the directory declaring the Store (or use --scan-dir), or set the missing connection field.',
  },
  DK700: {
    title: 'Invalid promotion policy',
    severity: 'error',
    explanation:
      'datakit-promotion.yaml cannot be used: YAML syntax, unknown or duplicate environments, a previous naming an unknown or later environment, bad durations, bad cron or time zone in a freeze window, negative approvals, unknown fields.',
    fix: 'Correct the policy at each reported file:line:column and field path; see gitops/datakit-promotion.yaml for the format.',
  },
  DK701: {
    title: 'Promotion refused',
    severity: 'error',
    explanation:
      'The promotion or rollback breaks the policy; every failed rule is listed (environment, cell, order, soak, freeze, promoters, approvals).',
    fix: 'Fix every listed reason (promote to the previous environment first, wait for the soak or the freeze to end, get approvals), or change the policy by pull request.',
  },
  DK702: {
    title: 'Unknown environment',
    severity: 'error',
    explanation: 'The environment named is not in the promotion policy (datakit-promotion.yaml) of the gitops repository.',
    fix: 'Use one of the environments the error lists, or add it to the policy by pull request.',
  },
  DK703: {
    title: 'Unknown cell',
    severity: 'error',
    explanation:
      'The cell named is neither listed for the environment in the policy nor present as envs/<env>/cells/<cell>/ in the gitops repository.',
    fix: 'Use one of the cells the error lists, or add the cell to the policy and the repository.',
  },
  DK704: {
    title: 'Unknown package',
    severity: 'error',
    explanation: 'The package is neither deployed anywhere in the gitops repository nor published in the registry.',
    fix: 'Check the name, publish it first (dk publish), or pass --registry where it was published.',
  },
  DK705: {
    title: 'Artifact not found',
    severity: 'error',
    explanation: 'The version (tag) or digest to promote does not exist in the registry, so nothing would be pulled by the cluster.',
    fix: 'Publish that version first (dk publish), or check the version, digest and --registry.',
  },
  DK706: {
    title: 'Malformed gitops file',
    severity: 'error',
    explanation:
      'A file of the gitops repository that promotion reads or edits is not valid YAML or lacks what promotion needs (spec.package.version, ref, digest).',
    fix: 'Correct the file at the reported place and commit it to the default branch.',
  },
  DK707: {
    title: 'Gitops checkout has uncommitted changes',
    severity: 'error',
    explanation:
      'The gitops checkout has modified or untracked files; promotion reads and writes committed state only and would ignore them.',
    fix: 'Commit, stash or remove the changes (git status lists them), then run the command again.',
  },
  DK708: {
    title: 'GitHub token missing',
    severity: 'error',
    explanation: 'A GitHub gitops repository (github:owner/repo) needs a token to read it and open pull requests.',
    fix: "Set GITHUB_TOKEN (or DK_GITHUB_TOKEN, or the action's token input) to a token with contents and pull-requests write access.",
  },
  DK709: {
    title: 'Git command failed',
    severity: 'error',
    explanation:
      'A git command on the gitops repository failed (not a repository, unreachable remote, rejected push other than non-fast-forward).',
    fix: "Read git's message in the error; check the path or URL and your access to the remote.",
  },
  DK710: {
    title: 'GitHub API request failed',
    severity: 'error',
    explanation:
      'GitHub answered an error (or could not be reached) after retries: authentication, permission, a missing repository or branch, validation or rate limits.',
    fix: "Check the token's permissions and the repository name; the status and GitHub's message are in the error.",
  },
  DK711: {
    title: 'Concurrent updates kept rejecting the push',
    severity: 'error',
    explanation:
      'The promotion branch moved on the remote at every attempt; the change was retried on top of each new head and never force-pushed.',
    fix: 'Run the command again once the other promotion of the same package has settled.',
  },
  DK712: {
    title: 'Nothing to roll back to',
    severity: 'error',
    explanation:
      'The deployment file has no earlier digest in the history of the default branch, or --to-version names a version it never pinned.',
    fix: 'Pass --to-version with a version listed in the error, or promote the wanted version instead.',
  },
  DK713: {
    title: 'No gitops repository named',
    severity: 'error',
    explanation: 'Promotion commands need the gitops repository: a local checkout, a git URL or github:owner/repo.',
    fix: 'Pass --gitops, set DK_GITOPS, or set gitops: in .dk/config.yaml.',
  },
  DK714: {
    title: 'Not a package deployment',
    severity: 'error',
    explanation: 'The package has no deployment in the environment and cell named, so there is nothing to roll back or show.',
    fix: 'Check the package, --env and --cell (dk status lists what is deployed where).',
  },
  DK715: {
    title: 'Directory not empty',
    severity: 'error',
    explanation: 'dk gitops init scaffolds a new repository and never overwrites files.',
    fix: 'Name a new or empty directory.',
  },
  DK800: {
    title: 'Invalid app configuration',
    severity: 'error',
    explanation:
      'The DataKit GitHub App cannot start: a required setting (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET or WEBHOOK_SECRETS) is missing or malformed.',
    fix: 'Set the variables named in the error (the chart takes them from a Secret), then start the app again.',
  },
  DK801: {
    title: 'Invalid repository settings',
    severity: 'error',
    explanation: '.github/datakit.yml on the default branch of the package repository is not valid YAML or has unknown or mistyped keys.',
    fix: 'Correct the file at the reported place (keys: package, gitops, registry) on the default branch.',
  },
  DK802: {
    title: 'Not allowed to run this command',
    severity: 'error',
    explanation:
      'Promotion commands need write access to the package repository (checked through the collaborator permission API) and, where the policy names promoters, membership of a named team or user list. Bots and pull requests from forks cannot promote.',
    fix: 'Ask a maintainer to grant write access or add you to a promoter team, or ask someone allowed to comment.',
  },
  DK803: {
    title: 'No artifact for the commit',
    severity: 'error',
    explanation:
      'No artifact in the registry carries the org.opencontainers.image.revision of the pull request head commit, so there is nothing to promote yet.',
    fix: 'Wait for the publish workflow (datakit/publish) of this commit to finish, then comment again.',
  },
  DK804: {
    title: 'Unknown or malformed command',
    severity: 'error',
    explanation: 'The comment starts with /promote, /rollback or /datakit but the arguments do not match the command.',
    fix: 'Comment /datakit help for the commands and their arguments.',
  },
  DK805: {
    title: 'Webhook signature invalid',
    severity: 'error',
    explanation:
      'A delivery without X-Hub-Signature-256, or signed with none of the configured webhook secrets, was rejected before any processing.',
    fix: "Make the GitHub App's webhook secret one of WEBHOOK_SECRET / WEBHOOK_SECRETS (during a rotation, list both).",
  },
  DK806: {
    title: 'App not installed on the repository',
    severity: 'error',
    explanation:
      'The DataKit GitHub App has no installation covering the repository it must read or write (the package repository or the gitops repository named in .github/datakit.yml).',
    fix: 'Install the GitHub App on that repository (contents, pull requests, checks write), or name a gitops repository it is installed on.',
  },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof codes;

export function isCode(value: string): value is Code {
  return Object.prototype.hasOwnProperty.call(codes, value);
}
