// Files the build bundles as text: the Python template of the Keras export.
declare module '*.py' {
  const text: string;
  export default text;
}
