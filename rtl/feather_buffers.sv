// feather_buffers: the streaming and stationary buffers of the FEATHER top,
// AW byte-wide banks each (feather_mem, registered read), and their ports.
//
// The streaming buffer has two halves of SD lines, each its own memory per
// bank (u_sbuf_h0, u_sbuf_h1: a ping-pong buffer); half_i is the active one,
// which the stream engine reads, and the inactive one receives the
// requantized outputs of the running layer (the next layer's input). Each
// memory has its own ports, so a Load into one half and the requantized
// outputs into the other never compete. Ports, per bank:
//   - read: a Store reads line_i of its target (TgtWbuf: stationary,
//     TgtSbufCur/Next: active/inactive streaming half); otherwise the
//     stationary banks read the ExecuteMapping engine's lines (em_line_i) and
//     the active streaming half the stream engine's lines (st_line_i). Data
//     arrives the cycle after (wb_rdata_o, sb_rdata_o, store_data_o = the
//     Store target's line).
//   - write: a Load response (ld_fire_i) writes its target's line; the
//     inactive streaming half otherwise takes a requantized byte (q_we_i).
//     The controller's interlocks never let a Load into the inactive half and
//     a requantized byte meet (docs/isa.md, "Interlocks").

module feather_buffers #(
  parameter int  AW = 4,
  parameter int  SD = 64,
  parameter int  WD = 64,
  parameter int  OD = 64,
  localparam int LA = feather_pkg::line_width(SD, WD, OD),
  localparam int BW = AW * 8
) (
  input  logic             clk_i,
  input  logic             half_i,
  // Memory engine.
  input  logic             mem_busy_i,
  input  logic             mem_store_i,
  input  logic [feather_pkg::TgtW-1:0] mem_tgt_i,
  input  logic [LA-1:0]    mem_line_i,
  input  logic             ld_fire_i,
  input  logic [BW-1:0]    ld_data_i,
  output logic [BW-1:0]    store_data_o,
  // Engine reads.
  input  logic [AW*LA-1:0] em_line_i,
  input  logic [AW*LA-1:0] st_line_i,
  output logic [AW*8-1:0]  wb_rdata_o,
  output logic [AW*8-1:0]  sb_rdata_o,
  // Requantized outputs.
  input  logic [AW-1:0]    q_we_i,
  input  logic [AW*LA-1:0] q_line_i,
  input  logic [AW*8-1:0]  q_data_i
);

  localparam int SAW = (SD > 1) ? $clog2(SD) : 1;   // streaming half address
  localparam int WAW = (WD > 1) ? $clog2(WD) : 1;

  logic mem_half;  // the streaming half a Load/Store addresses
  assign mem_half = (mem_tgt_i == feather_pkg::TgtSbufNext) ? !half_i : half_i;

  logic sb_tgt, wb_we, wb_st, sb_ld, sb_st;
  assign sb_tgt = (mem_tgt_i == feather_pkg::TgtSbufCur || mem_tgt_i == feather_pkg::TgtSbufNext);
  assign wb_we  = ld_fire_i && (mem_tgt_i == feather_pkg::TgtWbuf);
  assign wb_st  = mem_busy_i && mem_store_i && (mem_tgt_i == feather_pkg::TgtWbuf);
  assign sb_ld  = ld_fire_i && sb_tgt;
  assign sb_st  = mem_busy_i && mem_store_i && sb_tgt;

  // The half whose read data is the stream engine's, and the Store's (registered with the read:
  // the data arrives the cycle after).
  logic rd_half_q, st_half_q;
  always_ff @(posedge clk_i) begin
    rd_half_q <= half_i;
    st_half_q <= mem_half;
  end

  logic [AW*8-1:0] sb_rdata0, sb_rdata1;

  // Streaming-buffer lines are below SD (the layouts and Load/Store ranges are checked at
  // dispatch), so the line bits above the half's address are always 0.
  logic unused_line_bits;
  assign unused_line_bits = ^{mem_line_i, st_line_i, q_line_i};

  for (genvar b = 0; b < AW; b++) begin : g_bank
    logic [WAW-1:0] wb_raddr;
    // This bank's slices of the flat ports (outside the always_comb: Icarus 11 does not take
    // constant part-selects in always_* processes).
    logic [SAW-1:0] st_line, q_line;
    logic [WAW-1:0] em_line;
    logic [7:0]     ld_byte, q_byte;
    logic           q_we;
    assign st_line = SAW'(st_line_i[b*LA +: LA]);
    assign em_line = WAW'(em_line_i[b*LA +: LA]);  // lines past WD are never read
    assign q_line  = SAW'(q_line_i[b*LA +: LA]);
    assign ld_byte = ld_data_i[b*8 +: 8];
    assign q_byte  = q_data_i[b*8 +: 8];
    assign q_we    = q_we_i[b];

    assign wb_raddr = wb_st ? WAW'(mem_line_i) : em_line;

    // Half h: read by a Store of it, else by the stream engine; written by a Load into it, else
    // (when inactive) by a requantized byte.
    for (genvar h = 0; h < 2; h++) begin : g_half
      logic [SAW-1:0] raddr, waddr;
      logic           we;
      logic [7:0]     wdata;
      logic           mine;  // the Load/Store addresses this half
      assign mine = (mem_half == 1'(h));
      always_comb begin
        raddr = (sb_st && mine) ? SAW'(mem_line_i) : st_line;
        if (sb_ld && mine) begin
          we    = 1'b1;
          waddr = SAW'(mem_line_i);
          wdata = ld_byte;
        end else begin
          we    = q_we && (half_i != 1'(h));
          waddr = q_line;
          wdata = q_byte;
        end
      end
      logic [7:0] rdata;
      feather_mem #(.DEPTH(SD), .DW(8), .SYNC(1)) u_sbuf (
        .clk_i  (clk_i),
        .we_i   (we),
        .waddr_i(waddr),
        .wdata_i(wdata),
        .raddr_i(raddr),
        .rdata_o(rdata)
      );
      if (h == 0) begin : g_rd0
        assign sb_rdata0[b*8 +: 8] = rdata;
      end else begin : g_rd1
        assign sb_rdata1[b*8 +: 8] = rdata;
      end
    end

    feather_mem #(.DEPTH(WD), .DW(8), .SYNC(1)) u_wbuf (
      .clk_i  (clk_i),
      .we_i   (wb_we),
      .waddr_i(WAW'(mem_line_i)),
      .wdata_i(ld_byte),
      .raddr_i(wb_raddr),
      .rdata_o(wb_rdata_o[b*8 +: 8])
    );
  end

  assign sb_rdata_o   = rd_half_q ? sb_rdata1 : sb_rdata0;
  assign store_data_o = (mem_tgt_i == feather_pkg::TgtWbuf) ? wb_rdata_o :
                        (st_half_q ? sb_rdata1 : sb_rdata0);

endmodule
