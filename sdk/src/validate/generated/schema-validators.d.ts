import type { ValidateFunction } from 'ajv';
export const Transform: ValidateFunction;
export const DataSet: ValidateFunction;
export const DataSetGroup: ValidateFunction;
export const Connector: ValidateFunction;
export const Store: ValidateFunction;
export const Pipeline: ValidateFunction;
