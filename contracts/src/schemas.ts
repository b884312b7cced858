import common from '../schemas/common.schema.json';
import connector from '../schemas/connector.schema.json';
import dataset from '../schemas/dataset.schema.json';
import datasetGroup from '../schemas/datasetgroup.schema.json';
import pipeline from '../schemas/pipeline.schema.json';
import store from '../schemas/store.schema.json';
import transform from '../schemas/transform.schema.json';
import type { Kind, LegacyKind } from './kinds';

/** The published JSON Schemas (draft 2020-12), one per kind, plus their shared definitions. */
export const commonSchema: object = common;
export const schemasByKind: Readonly<Record<Kind | LegacyKind, object>> = {
  Transform: transform,
  DataSet: dataset,
  DataSetGroup: datasetGroup,
  Connector: connector,
  Store: store,
  Pipeline: pipeline,
};
