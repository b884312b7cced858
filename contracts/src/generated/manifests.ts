/* eslint-disable */

// Generated from contracts/schemas by contracts/scripts/generate-types.mjs. Do not edit.

/**
 * A DataKit Transform: the computation of a data package (dk.yaml).
 */

export interface Transform {
/**
 * datakit.dev/v1alpha1; the existing datakit.infoblox.dev/v1alpha1 is accepted unchanged.
 */
apiVersion: ("datakit.dev/v1alpha1" | "datakit.infoblox.dev/v1alpha1")
kind: "Transform"
metadata: Metadata
spec: TransformSpec
}

export interface Metadata {
/**
 * A DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters.
 */
name: string
/**
 * A DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters.
 */
namespace?: string
/**
 * A semantic version (https://semver.org), e.g. 1.2.3 or 1.2.3-rc.1.
 */
version?: string
labels?: StringMap
annotations?: StringMap
}

export interface StringMap {
[k: string]: string
}

export interface TransformSpec {
runtime: ("cloudquery" | "generic-go" | "generic-python" | "generic-node" | "dbt")
mode?: ("batch" | "streaming")
description?: string
owner?: string
image?: string
command?: (string | string[])
args?: string[]
env?: EnvVar[]
/**
 * @minItems 1
 */
inputs: [DataSetRef, ...(DataSetRef)[]]
/**
 * @minItems 1
 */
outputs: [DataSetRef, ...(DataSetRef)[]]
trigger?: Trigger
schedule?: Schedule
/**
 * A duration such as 30s, 10m, 1h30m or 500ms.
 */
timeout?: string
resources?: Resources
serviceAccountName?: string
lineage?: LineageSettings
dev?: DevSettings
}

export interface EnvVar {
name: string
value?: string
}
/**
 * A reference to a DataSet: exactly one of dataset (a name) or tags, with an optional semver range.
 */

export interface DataSetRef {
/**
 * A DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters.
 */
dataset?: string
/**
 * @minItems 1
 */
tags?: [string, ...(string)[]]
/**
 * A semver range, e.g. ^1.2.0 or >=1.0.0 <2.0.0.
 */
version?: string
cell?: string
}

export interface Trigger {
policy: ("schedule" | "on-change" | "manual" | "composite")
schedule?: Schedule
/**
 * on-change: the inputs that trigger a run (default: all).
 */
datasets?: string[]
/**
 * composite: runs when any of these fires.
 */
triggers?: Trigger[]
}

export interface Schedule {
/**
 * Five-field cron expression, or @hourly/@daily/@weekly/@monthly/@yearly.
 */
cron: string
/**
 * IANA time zone, e.g. Europe/Paris. Default UTC.
 */
timezone?: string
suspend?: boolean
}
/**
 * Either flat cpu/memory or Kubernetes-style requests/limits.
 */

export interface Resources {
cpu?: (string | number)
memory?: string
gpu?: (string | number)
requests?: ResourceList
limits?: ResourceList
}

export interface ResourceList {
cpu?: (string | number)
memory?: string
gpu?: (string | number)
}

export interface LineageSettings {
enabled?: boolean
emitter?: string
namespace?: string
url?: string
}

export interface DevSettings {
seed?: Seed
}
/**
 * Development data loaded into the input stores before a local run.
 */

export interface Seed {
rows?: {

}[]
file?: string
profiles?: {
[k: string]: {
rows?: {

}[]
file?: string
}
}
}

/**
 * A DataKit DataSet: a data contract with its schema and classification.
 */

export interface DataSet {
/**
 * datakit.dev/v1alpha1; the existing datakit.infoblox.dev/v1alpha1 is accepted unchanged.
 */
apiVersion: ("datakit.dev/v1alpha1" | "datakit.infoblox.dev/v1alpha1")
kind: "DataSet"
metadata: Metadata
spec: DataSetSpec
}

export interface DataSetSpec {
/**
 * A DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters.
 */
store: string
table?: string
prefix?: string
topic?: string
format?: string
classification?: ("public" | "internal" | "confidential" | "restricted")
description?: string
owner?: string
tags?: string[]
schema?: Field[]
schemaRef?: string
quality?: Quality
dev?: DataSetDevSettings
}

export interface Field {
name: string
type: string
pii?: boolean
/**
 * Column lineage: <dataset>.<column> this field is derived from.
 */
from?: string
nullable?: boolean
description?: string
tags?: string[]
}

export interface Quality {
rowCount?: {
min?: number
max?: number
}
notNull?: string[]
unique?: string[]
acceptedValues?: {
[k: string]: (string | number | boolean)[]
}
}

export interface DataSetDevSettings {
seed?: Seed
}
/**
 * Development data loaded into the input stores before a local run.
 */

/**
 * DataSets produced together into one Store.
 */

export interface DataSetGroup {
/**
 * datakit.dev/v1alpha1; the existing datakit.infoblox.dev/v1alpha1 is accepted unchanged.
 */
apiVersion: ("datakit.dev/v1alpha1" | "datakit.infoblox.dev/v1alpha1")
kind: "DataSetGroup"
metadata: Metadata
spec: DataSetGroupSpec
}

export interface DataSetGroupSpec {
/**
 * A DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters.
 */
store: string
/**
 * @minItems 1
 */
datasets: [string, ...(string)[]]
description?: string
}

/**
 * A technology DataKit can reach (postgres, s3, kafka, …).
 */

export interface Connector {
/**
 * datakit.dev/v1alpha1; the existing datakit.infoblox.dev/v1alpha1 is accepted unchanged.
 */
apiVersion: ("datakit.dev/v1alpha1" | "datakit.infoblox.dev/v1alpha1")
kind: "Connector"
metadata: Metadata
spec: ConnectorSpec
}

export interface ConnectorSpec {
type?: string
provider?: string
protocol?: string
version?: string
description?: string
capabilities?: ("source" | "destination" | "streaming" | "transform")[]
image?: string
plugin?: ConnectorPlugins
connectionSchema?: ConnectionSchema
}

export interface ConnectorPlugins {
source?: string
destination?: string
}

export interface ConnectionSchema {
[k: string]: ConnectionField
}

export interface ConnectionField {
type?: ("string" | "integer" | "number" | "boolean" | "object" | "array")
required?: boolean
default?: unknown
secret?: boolean
description?: string
}

/**
 * An instance of a Connector: where DataSets live. Secrets are ${VAR} references only.
 */

export interface Store {
/**
 * datakit.dev/v1alpha1; the existing datakit.infoblox.dev/v1alpha1 is accepted unchanged.
 */
apiVersion: ("datakit.dev/v1alpha1" | "datakit.infoblox.dev/v1alpha1")
kind: "Store"
metadata: Metadata
spec: StoreSpec
}

export interface StoreSpec {
/**
 * A DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters.
 */
connector: string
description?: string
connection?: {
[k: string]: (string | number | boolean)
}
secrets?: {
[k: string]: string
}
}

/**
 * The legacy Pipeline kind of the existing implementation. Accepted so existing packages lint; it has no effect.
 */

export interface PipelineLegacy {
/**
 * datakit.dev/v1alpha1; the existing datakit.infoblox.dev/v1alpha1 is accepted unchanged.
 */
apiVersion: ("datakit.dev/v1alpha1" | "datakit.infoblox.dev/v1alpha1")
kind: "Pipeline"
metadata: Metadata
spec?: PipelineSpec
}

export interface PipelineSpec {
image?: string
command?: (string | string[])
args?: string[]
env?: EnvVar[]
resources?: Resources
}
