namespace Reel.Engine.Core;

/// <summary>How an image is fitted to a clip size: cropped to cover it, or padded to fit inside.</summary>
public enum ImageFit
{
    Cover,
    Pad,
}
