export * from './codes';
export * from './kinds';
export * from './labels';
export * from './media-types';
export * from './schemas';
export type * from './generated/manifests';

import type { Connector, DataSet, DataSetGroup, PipelineLegacy, Store, Transform } from './generated/manifests';
/** Any manifest DataKit reads. */
export type Manifest = Transform | DataSet | DataSetGroup | Connector | Store | PipelineLegacy;
