// esbuild's text loader turns each .graphql file into its source string.
declare module "*.graphql" {
  const document: string;
  export default document;
}
