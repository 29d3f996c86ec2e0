// cipipeScan: runs `cipipe scan` and returns scan.json parsed.
// Help: vars/cipipeScan.txt
def call(Map args = [:]) {
    return cipipeStep(step: 'cipipeScan', command: 'scan', args: args,
                      output: 'scan.json', credentials: [],
                      flags: [
        repo  : '--repo',
        config: '--config',
        osvDb : '--osv-db',
        grype : '--grype',
        trivy : '--trivy',
    ])
}
