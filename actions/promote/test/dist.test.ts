import path from 'node:path';
import { describeDist } from '@datakit/action-common/testing';

describeDist(path.resolve(import.meta.dirname, '..'), ['@actions/core', '@octokit/rest', 'ajv', 'semver', 'tar-stream', 'yaml']);
