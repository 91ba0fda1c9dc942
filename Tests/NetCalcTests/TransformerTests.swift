import Testing
@testable import NetCalc

/// Tokens, attention and the memory an attention row holds besides its output.
@Suite struct TransformerTests {
    @Test(arguments: [
        ("INPUT[197x768] -> ATTENTION(5)", "ATTENTION1's 5 heads do not divide its 768 channels"),
        ("INPUT[197x768] -> TOKEN(197)", "TOKEN1 takes token 197, but its input has 197 (0 to 196)"),
        ("INPUT[14x14x768] -> CLS", "CLS1 takes 1-D inputs (LxC), not 14x14x768 (2-D)"),
        ("INPUT[197x768] -> TOKENS", "TOKENS1 takes 2-D and 3-D inputs (WxHxD, WxHxTxC), not 197x768 (1-D)"),
        ("INPUT[14x14x768] -> TOKEN(0)", "TOKEN1 takes 1-D inputs (LxC), not 14x14x768 (2-D)"),
        ("INPUT[56x56x96] -> ATTENTION(3,w=7,patch=2)", "ATTENTION takes a window (w) or a patch, not both"),
        ("INPUT[56x56x96] -> ATTENTION(3,shift=3)", "ATTENTION's shift needs a window: add w=W"),
        ("INPUT[56x56x96] -> ATTENTION(3,relbias)", "ATTENTION's relbias needs a window: add w=W"),
        ("INPUT[56x56x96] -> ATTENTION(3,w=7,shift=7)", "ATTENTION's shift 7 is not smaller than its window 7"),
        ("INPUT[56x56x96] -> ATTENTION(3,w=7x7x2)", "ATTENTION1's window 7x7x2 gives 3 sizes, but its input 56x56x96 is 2-D (WxHxD)"),
        ("INPUT[30x30x64] -> ATTENTION(4,patch=4)", "ATTENTION1's 4 patches do not tile its 30x30x64 input"),
        ("INPUT[56x96] -> PATCHMERGE", "PATCHMERGE1 takes 2-D inputs (WxHxD), not 56x96 (1-D)"),
    ])
    func misuseIsAnError(_ text: String, _ message: String) {
        #expect(errors(text) == [message])
    }

    @Test func anAttentionMapIsMemoryItsRowHolds() throws {
        // 4 tokens of 8 channels, 2 heads: the output is 32 values, the map 2*4*4 = 32 more.
        let net = try #require(network("INPUT[4x8] -> ATTENTION(2)"))
        let row = try #require(net.rows.last)
        #expect(row.heldActivations == 32)
        #expect(row.activations == 64)
        #expect(row.forwardBytes == 64 * 4)
        #expect(net.totals.activations == 32 + 64)
        // The input (32) is live while the attention runs with its output and map (64).
        #expect(net.totals.peakLiveActivations == 96)
    }

    @Test func theMapIsFreedWhenTheLayerEnds() throws {
        // After the attention, only its output (and what is still read) stays live: the map is gone.
        let net = try #require(network("INPUT[4x8] -> ATTENTION(2) -> LINEAR(64)"))
        #expect(net.rows.map(\.activations) == [32, 64, 256])
        #expect(net.totals.peakLiveActivations == 32 + 256)
    }

    @Test func theJSONRowSaysWhatItHolds() throws {
        let outcome = runNetCalc(["-e", "INPUT[4x8] -> ATTENTION(2) -> GELU", "--format", "json"])
        #expect(outcome.status == 0)
        let text = outcome.standardOutput
        #expect(text.contains("\"heldActivations\" : 32"))
        #expect(text.components(separatedBy: "heldActivations").count == 2, "only the attention row holds a map")
    }

    @Test func aSequenceOfAnImagesTokensSeesTheWholeImage() throws {
        let net = try #require(network("INPUT[32x24x3] -> CONV(8,4,s4) -> TOKENS -> ATTENTION(2) -> GAP"))
        #expect(net.rows.map(\.receptiveField.width) == [1, 4, 4, 32, 32])
        #expect(net.rows[2].output == Shape(spatial: [48], depth: 8))
    }

    @Test func vitB16IsTorchvisions() throws {
        let outcome = runNetCalc(["specs/vit_b_16.net", "--format", "json"])
        let text = outcome.standardOutput
        // torchvision's vit_b_16: 86,567,656 params; torch.utils.flop_counter: 17,563,828,224 MACs.
        #expect(text.contains("\"params\" : 86567656"))
        #expect(text.contains("\"macs\" : 17563828224"))
    }
}
