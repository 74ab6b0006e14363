/** Files imported `with { type: "text" }`: Bun hands over their contents as a string. */
declare module "*/standalone.js" {
	const text: string;
	export default text;
}
