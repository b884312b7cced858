import * as core from '@actions/core';
import type { RunnerContext } from '@datakit/action-common/inputs';
import { lintAndBuild } from '@datakit/action-common/package-build';
import { describeError, escapeHtml, failStep, summaryTable } from '@datakit/action-common/report';
import { formatBytes } from '@datakit/sdk/manifest';
import { displayPath } from '@datakit/sdk/validate';
import actionPackage from '../package.json';
import { readInputs } from './inputs';

const heading = 'DataKit build';

/**
 * Lints the package named by the `path` input and builds it into an OCI image layout (the same
 * artifact, byte for byte, as `dk build` from the same commit), stamped with the commit and the
 * repository. Reports on the log, annotations (lint findings), the outputs and the job summary;
 * fails the step on lint errors, unreadable files and bad inputs.
 */
export async function run(): Promise<void> {
  let context: RunnerContext | undefined;
  try {
    const inputs = readInputs();
    context = inputs.context;
    const result = await lintAndBuild({
      path: inputs.path,
      dir: inputs.dir,
      ...(inputs.output !== undefined ? { layoutDir: inputs.output } : {}),
      allowSecretFiles: inputs.allowSecretFiles,
      context,
      dkVersion: actionPackage.version,
    });
    if (!result.ok) {
      await failStep(heading, `DataKit build failed: ${result.failure}`, context.summary);
      return;
    }

    const { built, size } = result;
    const { name, version } = built.config;
    const { digest } = built.manifest;
    const layout = built.target.root;
    const ref = `oci-layout:${layout}@${digest}`;
    core.setOutput('name', name);
    core.setOutput('version', version);
    core.setOutput('digest', digest);
    core.setOutput('ref', ref);
    core.setOutput('layout', layout);

    const shownLayout = displayPath(layout, context.workspace);
    core.info(
      [
        `Built ${name} ${version}`,
        `  digest:    ${digest}`,
        `  size:      ${formatBytes(size)}`,
        `  reference: ${ref}`,
        `  tag:       oci-layout:${shownLayout}:${built.tag}`,
      ].join('\n'),
    );
    if (context.summary) {
      const rows: [string, string][] = [
        ['Name', name],
        ['Version', version],
        ['Digest', digest],
        ['Reference', ref],
        ['Size', `${formatBytes(size)} (${size} bytes)`],
        ['Layout', shownLayout],
      ];
      if (context.revision) rows.push(['Revision', context.revision]);
      await core.summary
        .addHeading(heading, 2)
        .addRaw(`<p>✅ Built <b>${escapeHtml(name)}</b> ${escapeHtml(version)}</p>`, true)
        .addTable(summaryTable(rows))
        .write();
    }
  } catch (error) {
    const hints: Record<string, string> = {};
    if (context) {
      hints.DK502 = `The path input is resolved against the repository root (${context.workspace}); check it, and check that actions/checkout ran before this step.`;
    }
    await failStep(heading, describeError(error, hints), context?.summary ?? false);
  }
}
