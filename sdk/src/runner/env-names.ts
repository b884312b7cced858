/** The upper-case form names take in the run contract's variables: `-` and `.` become `_`. */
export function envName(name: string): string {
  return name.toUpperCase().replace(/[-.]/g, '_');
}
