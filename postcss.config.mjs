// Tailwind CSS v4 (CSS-first configuration: the tokens and variants are in app/globals.css)
export default {
  plugins: { "@tailwindcss/postcss": {} },
};
