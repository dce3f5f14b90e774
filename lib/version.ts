/** The version `buildout --version` prints. */
export const VERSION = "0.1.0";
