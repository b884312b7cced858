import * as core from '@actions/core';
import { lintPath } from '@datakit/sdk/validate';
const r = await lintPath(core.getInput('path') || '.');
core.info(`${r.counts.errors} errors`);
