// feather_requant: int32 -> uint8 requantization of one output value.
//
//   q = clamp(((v * scale + 2^23) >>> 24) + ozp, lo, hi)
//
// v and scale are signed 32-bit, the product is exact (64-bit signed), the
// shift arithmetic, ozp unsigned 8-bit; [lo, hi] is Config's clamp (lo <= hi,
// [0, 255] = plain saturation). Purely combinational.

module feather_requant (
  input  logic [31:0] v_i,
  input  logic [31:0] scale_i,
  input  logic [7:0]  ozp_i,
  input  logic [7:0]  lo_i,
  input  logic [7:0]  hi_i,
  output logic [7:0]  q_o
);

  logic signed [63:0] prod;
  logic signed [63:0] rounded;
  logic signed [39:0] shifted;
  logic signed [40:0] biased;

  assign prod    = 64'($signed(v_i)) * 64'($signed(scale_i));
  assign rounded = prod + 64'sd8388608;
  assign shifted = 40'(rounded >>> 24);
  assign biased  = 41'(shifted) + 41'($signed({1'b0, ozp_i}));
  assign q_o     = (biased < 41'($signed({1'b0, lo_i}))) ? lo_i :
                   (biased > 41'($signed({1'b0, hi_i}))) ? hi_i : biased[7:0];

endmodule
