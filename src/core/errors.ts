/** Where in a source file something was found: used by every user-facing error. */
export interface SourcePos {
  file: string;
  line?: number;
  col?: number;
}

export function formatPos(pos?: SourcePos): string {
  if (!pos) return '';
  return [pos.file, pos.line, pos.col].filter((p) => p !== undefined).join(':');
}

/**
 * Bad input from the user (inventory, playbook, variables, options). The CLI prints
 * `file:line:col: message` and exits 5 without contacting any host.
 */
export class UserError extends Error {
  constructor(
    message: string,
    public pos?: SourcePos,
    public hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }

  override toString(): string {
    const where = formatPos(this.pos);
    return `${where ? where + ': ' : ''}${this.message}${this.hint ? `\n  hint: ${this.hint}` : ''}`;
  }
}

/** A collection of UserErrors found in one validation pass, reported together. */
export class UserErrors extends Error {
  constructor(public errors: UserError[]) {
    super(errors.map((e) => e.toString()).join('\n'));
    this.name = 'UserErrors';
  }

  override toString(): string {
    return this.message;
  }
}
