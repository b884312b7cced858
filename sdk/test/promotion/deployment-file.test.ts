import { describe, expect, it } from 'vitest';
import { parseDeployment, pinDeployment } from '../../src/promotion/deployment-file';

const d1 = `sha256:${'1'.repeat(64)}`;
const d2 = `sha256:${'2'.repeat(64)}`;
const pin = { version: '0.2.0', digest: d2, ref: `r.example.com/t/orders@${d2}` };

const file = (pkg: string, cell = 'cell: c0') => `apiVersion: datakit.dev/v1alpha1
kind: PackageDeployment
metadata:
  name: orders
spec:
${pkg}
  ${cell}
`;
const plainPackage = `  package:
    name: orders
    version: 0.1.0
    ref: r.example.com/t/orders@${d1}
    digest: ${d1}`;

describe('pinDeployment', () => {
  it('edits block scalars, empty values and non-scalar cells structurally, and the result pins exactly what was asked', () => {
    const block = file(`  package:
    name: orders
    version: >-
      0.1.0
    ref: r.example.com/t/orders@${d1}
    digest: ${d1}`);
    for (const text of [block, file(plainPackage, 'cell:'), file(plainPackage, 'cell: {name: c0}')]) {
      const out = pinDeployment(text, 'f.yaml', pin, 'c0');
      expect(parseDeployment(out, 'f.yaml')).toMatchObject({ ...pin, cell: 'c0' });
    }
  });

  it('keeps CRLF line ends and quotes values YAML would read as numbers', () => {
    const crlf = file(plainPackage).replace(/\n/g, '\r\n');
    const out = pinDeployment(crlf, 'f.yaml', { ...pin, version: '1.0' });
    expect(out.split('\r\n').length).toBe(crlf.split('\r\n').length);
    expect(out).toContain('version: "1.0"');
    expect(parseDeployment(out, 'f.yaml').version).toBe('1.0');
  });
});
