// The machine runs Node 20; Lambda runs Node 22. The SDK's "upgrade to Node 22" notice is known and
// would otherwise bury test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
