// What WPS puts on the add-in's page besides the `wps` namespace that the wps-jsapi
// typings declare. Only for the type check (tsc --checkJs, run by the tests); not shipped.
interface Window {
    Application: Et.EtApplication;
}
