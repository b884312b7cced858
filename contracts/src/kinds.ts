export const apiGroup = 'datakit.dev';
export const apiVersion = 'datakit.dev/v1alpha1';
/** The group of the existing Go implementation, read unchanged. */
export const legacyApiVersion = 'datakit.infoblox.dev/v1alpha1';
export const apiVersions = [apiVersion, legacyApiVersion] as const;

export const kinds = ['Transform', 'DataSet', 'DataSetGroup', 'Connector', 'Store'] as const;
export type Kind = (typeof kinds)[number];
/** Kinds of the existing implementation that are read but have no effect. */
export const legacyKinds = ['Pipeline'] as const;
export type LegacyKind = (typeof legacyKinds)[number];

export const runtimes = ['cloudquery', 'generic-go', 'generic-python', 'generic-node', 'dbt'] as const;
export type Runtime = (typeof runtimes)[number];
export const modes = ['batch', 'streaming'] as const;
export type Mode = (typeof modes)[number];
export const classifications = ['public', 'internal', 'confidential', 'restricted'] as const;
export type Classification = (typeof classifications)[number];
/** Classifications that may hold personal data. */
export const piiClassifications: readonly Classification[] = ['confidential', 'restricted'];

/** Connector types a Store may name without a Connector manifest. */
export const builtinConnectorTypes = ['file', 'postgres', 's3', 'kafka', 'mysql', 'bigquery', 'snowflake', 'kubernetes', 'http'] as const;
