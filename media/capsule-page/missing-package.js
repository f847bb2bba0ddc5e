// What an npm package a React page declares (`packages=[...]`) resolves to in Capsule Local: the
// platform serves those packages from its CDN, which is not here, so loading one fails naming it.
const name = new URL(import.meta.url).searchParams.get('package') || 'an npm package';
throw new Error(`The npm package "${name}" (the page's packages=) is served by the Capsule platform and is not available in Capsule Local (offline).`);
