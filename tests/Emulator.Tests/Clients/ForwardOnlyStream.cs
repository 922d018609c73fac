namespace Reel.Emulator.Tests.Clients;

/// <summary>
/// A download destination that can't be rewound: the transport can't retry a truncated body into it, so the
/// first truncated download is the answer (a rewindable destination is fetched again, up to the retry limit).
/// </summary>
internal sealed class ForwardOnlyStream : MemoryStream
{
    public override bool CanSeek => false;
}
