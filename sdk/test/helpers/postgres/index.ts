export { findPostgresBinaries, startPostgres, type PostgresOptions, type TestPostgres } from './postgres';
