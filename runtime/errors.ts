// Errors compiled code throws.

/** A distribution parameter outside its support (PyMC's ParameterValueError). */
export class ParameterValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ParameterValueError";
  }
}

export function parameterValueError(condition: string): ParameterValueError {
  return new ParameterValueError(condition);
}
