/* A stand-in for libavahi-client, preloaded into SoapySDRServer by the SoapyRemote test.
 *
 * Debian 12's SoapySDRServer (SoapyRemote 0.5.2) publishes itself over mDNS and exits at once when no
 * avahi-daemon runs ("DNS-SD daemon disconnected... Exiting prematurely", SoapyRemote issue #96), which
 * is the case on build machines and in containers. The test talks to the server on 127.0.0.1 by
 * address and needs no discovery, so these functions answer "the daemon is running, the service is
 * published" and do nothing else. Only the libavahi-client functions the server imports are here; the
 * libavahi-common ones (the poll loop, strings) are the real library's. */
#include <stddef.h>
#include <stdint.h>

static int client, group, browser, resolver;

void* avahi_client_new(const void* poll, int flags, void* callback, void* userdata, int* error) {
    (void)poll, (void)flags, (void)callback, (void)userdata;
    if (error) *error = 0;
    return &client;
}
void avahi_client_free(void* c) { (void)c; }
int avahi_client_errno(void* c) { (void)c; return 0; }
int avahi_client_get_state(void* c) { (void)c; return 2; /* AVAHI_CLIENT_S_RUNNING */ }
const char* avahi_client_get_version_string(void* c) { (void)c; return "none (test stand-in)"; }
const char* avahi_client_get_host_name(void* c) { (void)c; return "localhost"; }
const char* avahi_client_get_domain_name(void* c) { (void)c; return "local"; }
const char* avahi_client_get_host_name_fqdn(void* c) { (void)c; return "localhost.local"; }

void* avahi_entry_group_new(void* c, void* callback, void* userdata) { (void)c, (void)callback, (void)userdata; return &group; }
int avahi_entry_group_add_service_strlst(void* g, int iface, int proto, int flags, const char* name, const char* type,
                                         const char* domain, const char* host, uint16_t port, void* txt) {
    (void)g, (void)iface, (void)proto, (void)flags, (void)name, (void)type, (void)domain, (void)host, (void)port, (void)txt;
    return 0;
}
int avahi_entry_group_commit(void* g) { (void)g; return 0; }
int avahi_entry_group_free(void* g) { (void)g; return 0; }
void* avahi_entry_group_get_client(void* g) { (void)g; return &client; }

void* avahi_service_browser_new(void* c, int iface, int proto, const char* type, const char* domain, int flags, void* callback,
                                void* userdata) {
    (void)c, (void)iface, (void)proto, (void)type, (void)domain, (void)flags, (void)callback, (void)userdata;
    return &browser;
}
int avahi_service_browser_free(void* b) { (void)b; return 0; }
void* avahi_service_browser_get_client(void* b) { (void)b; return &client; }
void* avahi_service_resolver_new(void* c, int iface, int proto, const char* name, const char* type, const char* domain, int aproto,
                                 int flags, void* callback, void* userdata) {
    (void)c, (void)iface, (void)proto, (void)name, (void)type, (void)domain, (void)aproto, (void)flags, (void)callback, (void)userdata;
    return &resolver;
}
int avahi_service_resolver_free(void* r) { (void)r; return 0; }
