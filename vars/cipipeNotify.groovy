// cipipeNotify: runs `cipipe notify` and returns notification.json parsed.
// Help: vars/cipipeNotify.txt
def call(Map args = [:]) {
    return cipipeStep(step: 'cipipeNotify', command: 'notify', args: args,
                      output: 'notification.json', credentials: ['slack', 'db'],
                      flags: [
        repo   : '--repo',
        config : '--config',
        channel: '--channel',
        strict : '--strict',
        db     : '--db',
    ])
}
